# cmake -DINPUT=<file> -DOUTPUT=<file.cpp> -DSYMBOL=<function name> -P EmbedText.cmake
# Writes a .cpp defining `std::string_view tgd::embedded::<SYMBOL>()` that returns the file's text.
# A raw string literal compiles far faster than a byte array of the same size.
file(READ "${INPUT}" content)
set(delimiter "tgd_embed")
string(FIND "${content}" ")${delimiter}\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw-string delimiter")
endif()
file(WRITE "${OUTPUT}.tmp" "// Generated from ${INPUT} by cmake/EmbedText.cmake.\n#include <string_view>\n"
  "namespace tgd::embedded {\nstd::string_view ${SYMBOL}() {\n  static constexpr char text[] = R\"${delimiter}(${content})${delimiter}\";\n"
  "  return {text, sizeof(text) - 1};\n}\n}  // namespace tgd::embedded\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
