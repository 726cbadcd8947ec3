#include "daemon/files/file_names.hpp"

#include <simdjson.h>

#include <array>
#include <utility>

namespace tgd::files {
namespace {

// Length of the UTF-8 sequence starting at text[i], or 0 when it is not valid UTF-8.
std::size_t utf8_length(std::string_view text, std::size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  const std::size_t length = lead < 0x80           ? 1
                             : (lead >> 5) == 0x6  ? 2
                             : (lead >> 4) == 0xE  ? 3
                             : (lead >> 3) == 0x1E ? 4
                                                   : 0;
  if (length == 0 || i + length > text.size()) return 0;
  // simdjson checks overlong forms, surrogates and the U+10FFFF limit.
  return simdjson::validate_utf8(text.data() + i, length) ? length : 0;
}

bool trimmed_char(char c) { return c == '.' || c == ' '; }

// Cuts `text` to at most `limit` bytes without splitting a character (text is valid UTF-8).
std::string_view cut(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return text;
  std::size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

std::string clean(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (std::size_t i = 0; i < name.size();) {
    const std::size_t length = utf8_length(name, i);
    if (length == 0) {
      out += '_';
      ++i;
      continue;
    }
    const char c = name[i];
    const bool control = length == 1 && (static_cast<unsigned char>(c) < 0x20 || c == 0x7F);
    out += (control || c == '/' || c == '\\') && length == 1 ? std::string_view("_") : name.substr(i, length);
    i += length;
  }
  std::size_t first = 0;
  while (first < out.size() && trimmed_char(out[first])) ++first;
  std::size_t last = out.size();
  while (last > first && trimmed_char(out[last - 1])) --last;
  out = out.substr(first, last - first);
  if (out.size() <= kMaxFileNameBytes) return out;

  const std::size_t dot = out.rfind('.');
  const std::size_t ext_size = dot == std::string::npos || dot == 0 ? 0 : out.size() - dot;
  if (ext_size == 0 || ext_size > 16) return std::string(cut(out, kMaxFileNameBytes));
  std::string shortened(cut(std::string_view(out).substr(0, dot), kMaxFileNameBytes - ext_size));
  while (!shortened.empty() && trimmed_char(shortened.back())) shortened.pop_back();
  return shortened + out.substr(dot);
}

}  // namespace

std::string sanitize_file_name(std::string_view name, std::string_view fallback) {
  std::string out = clean(name);
  if (out.empty()) out = clean(fallback);
  if (out.empty()) out = "file";
  return out;
}

std::string numbered_file_name(std::string_view name, unsigned n) {
  if (n == 0) return std::string(name);
  const std::size_t dot = name.rfind('.');
  const std::size_t split = dot == std::string_view::npos || dot == 0 ? name.size() : dot;
  std::string out(name.substr(0, split));
  out += " (" + std::to_string(n) + ")";
  out += name.substr(split);
  return out;
}

std::string_view extension_for_mime(std::string_view mime_type) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 24> kKnown{{
      {"image/jpeg", ".jpg"},        {"image/png", ".png"},
      {"image/gif", ".gif"},         {"image/webp", ".webp"},
      {"image/heic", ".heic"},       {"image/bmp", ".bmp"},
      {"video/mp4", ".mp4"},         {"video/quicktime", ".mov"},
      {"video/webm", ".webm"},       {"video/x-matroska", ".mkv"},
      {"audio/mpeg", ".mp3"},        {"audio/ogg", ".ogg"},
      {"audio/mp4", ".m4a"},         {"audio/x-m4a", ".m4a"},
      {"audio/wav", ".wav"},         {"audio/x-wav", ".wav"},
      {"audio/flac", ".flac"},       {"application/pdf", ".pdf"},
      {"application/zip", ".zip"},   {"application/x-tgsticker", ".tgs"},
      {"application/json", ".json"}, {"text/plain", ".txt"},
      {"text/html", ".html"},        {"application/x-7z-compressed", ".7z"},
  }};
  for (const auto& [mime, extension] : kKnown) {
    if (mime == mime_type) return extension;
  }
  return {};
}

}  // namespace tgd::files
