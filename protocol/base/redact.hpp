#pragma once
// Secrets out of log lines: phone numbers, bot tokens, login codes, 2FA passwords and SRP proofs,
// api_hash, authorization bytes. The masks keep what tells lines apart (a number's first and last
// two digits, a bot's id) and nothing that would let a reader log in.
//
//   mask_phone("+44 7700 900089")        → "+44********89"  (≤ 2 first and 2 last digits)
//   mask_bot_token("123456:AAE-secret")  → "123456:***"    (the bot id is public)
//   kMasked                              → "***"           (codes, passwords: not even their length)
//   redact_json(R"({"phone_number":"9996621234","phone_code":"22222"})")
//                                        → {"phone_number":"+99******34","phone_code":"***"}
//
// redact_json masks by field name (is_secret_field), at any depth, in JSON text as tgd's TL codec
// and its JSON-RPC messages write it: JSON-RPC params and results, TL calls and answers. It scans
// the text once without parsing it into a tree; use it only when the line will be logged
// (spdlog::should_log), never on a hot path otherwise.
#include <cstddef>
#include <string>
#include <string_view>

namespace tgd {

inline constexpr std::string_view kMasked = "***";
// How much of a JSON text a log line shows (redact_json's max_chars for trace dumps).
inline constexpr std::size_t kLoggedJsonChars = 2048;

// "+" and the digits with all but the first and last two (fewer for short numbers) as '*'; "***"
// when there are no digits.
std::string mask_phone(std::string_view phone);

// A bot token "<bot id>:<secret>" as "<bot id>:***"; anything else (a bearer token, a login
// token) as "***".
std::string mask_bot_token(std::string_view token);

// How a field's value is masked in redact_json.
enum class SecretField { None, Phone, Token, Secret };
// phone / phone_number: Phone; token / bot_auth_token / bot_token: Token; phone_code, code,
// phone_code_hash, password, new_password_hash, current_password_hash, api_hash, bytes (auth.
// exportedAuthorization, importAuthorization, file parts), A / M1 (SRP), email, secure_secret:
// Secret.
SecretField secret_field(std::string_view name);

// The JSON text with every secret field's value masked (a string in its place, so the text stays
// valid JSON). `max_chars` > 0: the output is cut there (after masking) and "…(N bytes)" appended,
// and the scan stops early, so huge answers cost little.
std::string redact_json(std::string_view json, std::size_t max_chars = 0);

}  // namespace tgd
