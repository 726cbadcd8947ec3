#pragma once
// `tgd self-check`: runs the codec and the crypto on known vectors and prints what each check
// proved. It is the README's first command until the demo mode exists.
namespace tgd::daemon {

enum class ReportFormat { Text, Json };

int api_layer();
// Returns the process exit code: 0 when every check passed.
int run_self_check(ReportFormat format);

}  // namespace tgd::daemon
