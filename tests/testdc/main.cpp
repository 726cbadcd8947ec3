// tgd-testdc: the local test DC as a program, for tgd's tests and for users testing their scripts
// offline. Its command line and its first stdout line are a contract (README, "Local test DC").
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <boost/asio/signal_set.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "protocol/net/asio.hpp"
#include "protocol/tl/json_out.hpp"
#include "tests/testdc/control_socket.hpp"
#include "tests/testdc/test_dc.hpp"

namespace {

std::string ready_line(const tgd::testdc::TestDc& dc) {
  std::string dcs;
  for (const auto& e : dc.endpoints()) {
    if (!dcs.empty()) dcs += ",";
    dcs += "{\"id\":" + std::to_string(e.id) + ",\"host\":" + tgd::tl::json_quoted(e.host) +
           ",\"port\":" + std::to_string(e.port) + "}";
  }
  const auto& pub = dc.key().public_key();
  return "{\"dcs\":[" + dcs + "],\"public_key_pem\":" + tgd::tl::json_quoted(pub.to_pem()) +
         ",\"fingerprint\":\"" + std::to_string(pub.fingerprint()) + "\"}";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tgd-testdc - a strict local MTProto test DC on loopback", "tgd-testdc"};
  tgd::testdc::Options options;
  std::string key_file;
  std::string control_path;
  tgd::testdc::FileOptions files;
  std::int64_t reference_ttl = files.reference_ttl.count();
  app.add_option("--host", options.host, "Address to listen on")->capture_default_str();
  app.add_option("--port", options.port, "Port of DC 1 (DC n uses port+n-1); 0 picks free ports")
      ->capture_default_str();
  app.add_option("--dcs", options.dcs, "Number of DCs")->check(CLI::Range(1, 5))->capture_default_str();
  app.add_option("--key", key_file, "PEM file with the server's RSA private key (default: generate one)")
      ->check(CLI::ExistingFile);
  app.add_option(
      "--control", control_path,
      "UNIX socket (mode 0600) taking JSON control commands: send_message, flood, fault, state, stats, "
      "send_document, expire_file_references, file_fault, file_options");
  app.add_option("--files-dc", files.files_dc,
                 "DC serving upload.getFile (FILE_MIGRATE elsewhere); 0 = the highest")
      ->check(CLI::Range(0, 5))
      ->capture_default_str();
  app.add_option("--file-reference-ttl", reference_ttl, "Seconds a file reference stays valid")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  spdlog::set_default_logger(spdlog::stderr_color_mt("testdc"));
  if (!key_file.empty()) {
    std::ifstream in(key_file);
    std::stringstream pem;
    pem << in.rdbuf();
    auto key = tgd::crypto::RsaPrivateKey::from_pem(pem.str());
    if (!key) {
      spdlog::error("{}: not an RSA private key in PEM form", key_file);
      return 2;
    }
    options.key = std::make_shared<const tgd::crypto::RsaPrivateKey>(std::move(*key));
  }

  boost::asio::io_context io;
  tgd::testdc::TestDc dc(io, options);
  if (files.files_dc > options.dcs) {
    spdlog::error("--files-dc {} but only {} DCs", files.files_dc, options.dcs);
    return 2;
  }
  files.reference_ttl = std::chrono::seconds(reference_ttl);
  dc.world().files().set_options(files);
  if (auto error = dc.start()) {
    spdlog::error("{}", *error);
    return 1;
  }
  tgd::testdc::ControlSocket control(io, dc);
  if (!control_path.empty()) {
    if (auto error = control.start(control_path)) {
      spdlog::error("{}", *error);
      return 1;
    }
  }
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    spdlog::info("signal {}: stopping", signal);
    control.stop();
    dc.stop();
    io.stop();
  });
  std::printf("%s\n", ready_line(dc).c_str());
  std::fflush(stdout);
  io.run();
  return 0;
}
