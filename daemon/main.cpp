// tgd: a Telegram client daemon. This entry point parses the command line and dispatches.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "daemon/self_check.hpp"
#include "daemon/version.hpp"

int main(int argc, char** argv) {
  CLI::App app{"tgd - Telegram client daemon serving JSON-RPC 2.0 to local scripts", "tgd"};
  app.set_version_flag("--version", std::string("tgd ") + TGD_VERSION + " (MTProto 2.0, API layer " +
                                        std::to_string(tgd::daemon::api_layer()) + ")");
  app.require_subcommand(1);
  bool json = false;
  auto* self_check =
      app.add_subcommand("self-check", "Exercise the TL codec and the crypto on known vectors");
  self_check->add_flag("--json", json, "Print the report as JSON");
  CLI11_PARSE(app, argc, argv);

  if (*self_check)
    return tgd::daemon::run_self_check(json ? tgd::daemon::ReportFormat::Json
                                            : tgd::daemon::ReportFormat::Text);
  return 0;
}
