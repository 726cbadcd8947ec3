#include "daemon/session/session_manager.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/thread_pool.hpp>
#include <map>

namespace tgd::session {

struct SessionManager::Impl {
  Impl(boost::asio::any_io_executor ex, const tl::Schema& api, store::Store* s, InvokerOptions d)
      : executor(std::move(ex)), tl(api), store(s), defaults(std::move(d)) {
    if (!defaults.cpu_executor) defaults.cpu_executor = cpu.get_executor();
  }

  SessionContext context() { return SessionContext{executor, &tl, store, &cpu, updates}; }

  boost::asio::any_io_executor executor;
  TlJson tl;
  store::Store* store;
  UpdateSink* updates = nullptr;
  InvokerOptions defaults;
  // One thread for CPU-heavy work (2FA key derivation): enough, it is rare.
  boost::asio::thread_pool cpu{1};
  std::map<std::string, std::shared_ptr<Session>, std::less<>> sessions;
};

SessionManager::SessionManager(boost::asio::any_io_executor executor, const tl::Schema& api,
                               store::Store* store, InvokerOptions defaults)
    : impl_(std::make_unique<Impl>(std::move(executor), api, store, std::move(defaults))) {}

void SessionManager::set_update_sink(UpdateSink* sink) { impl_->updates = sink; }

SessionManager::~SessionManager() {
  stop();
  impl_->cpu.join();
}

bool SessionManager::valid_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  });
}

std::variant<std::vector<std::string>, std::string> SessionManager::restore(
    const std::vector<std::string>* declared) {
  if (impl_->store == nullptr) return std::vector<std::string>{};
  auto loaded = impl_->store->load_sessions();
  if (auto* error = std::get_if<store::StoreError>(&loaded)) return error->message;
  return restore(std::get<std::vector<store::SessionSnapshot>>(loaded), declared);
}

std::vector<std::string> SessionManager::restore(const std::vector<store::SessionSnapshot>& saved,
                                                 const std::vector<std::string>* declared) {
  std::vector<std::string> restored;
  for (const store::SessionSnapshot& snapshot : saved) {
    const std::string& name = snapshot.session.name;
    if (impl_->sessions.contains(name)) continue;
    auto session = std::make_shared<Session>(impl_->context(), name, impl_->defaults, &snapshot);
    if (declared != nullptr && session->origin() == SessionOrigin::Config &&
        std::find(declared->begin(), declared->end(), name) == declared->end()) {
      spdlog::info(
          "session {}: made by the config, which no longer declares it: not loaded (its state is "
          "kept; declare it again to bring it back)",
          name);
      continue;  // not started: its destructor's stop() saves nothing new
    }
    // Started like added ones: the config refresh, and the update engine of a Ready session.
    session->start();
    impl_->sessions.emplace(name, std::move(session));
    restored.push_back(name);
  }
  return restored;
}

std::variant<Session*, std::string> SessionManager::add(std::string name, std::optional<DcTarget> target,
                                                        SessionOrigin origin) {
  if (!valid_name(name)) return "session name '" + name + "': use 1-64 of A-Z a-z 0-9 _ . -";
  if (impl_->sessions.contains(name)) return "session '" + name + "' exists already";
  InvokerOptions options = impl_->defaults;
  if (target) {
    options.target = std::move(*target);
    options.main_dc = 0;
  }
  auto session = std::make_shared<Session>(impl_->context(), name, std::move(options), nullptr, origin);
  session->start();
  Session* raw = session.get();
  impl_->sessions.emplace(std::move(name), std::move(session));
  return raw;
}

std::optional<std::string> SessionManager::remove(std::string_view name) {
  auto it = impl_->sessions.find(name);
  if (it == impl_->sessions.end()) return "no session '" + std::string(name) + "'";
  it->second->stop();
  impl_->sessions.erase(it);
  if (impl_->store != nullptr) impl_->store->remove_session(std::string(name));
  if (impl_->updates != nullptr) impl_->updates->forget(std::string(name));
  return std::nullopt;
}

std::optional<std::string> SessionManager::unload(std::string_view name) {
  auto it = impl_->sessions.find(name);
  if (it == impl_->sessions.end()) return "no session '" + std::string(name) + "'";
  it->second->stop();  // persists its keys, salts and offsets
  impl_->sessions.erase(it);
  // The update stream is not told to forget it: its journal stays, and subscribers carry on from
  // where they were if it comes back.
  return std::nullopt;
}

Session* SessionManager::find(std::string_view name) {
  auto it = impl_->sessions.find(name);
  return it == impl_->sessions.end() ? nullptr : it->second.get();
}

const boost::asio::any_io_executor& SessionManager::executor() const { return impl_->executor; }

std::vector<Session*> SessionManager::sessions() {
  std::vector<Session*> out;
  for (auto& [name, s] : impl_->sessions) out.push_back(s.get());
  return out;
}

void SessionManager::stop() {
  for (auto& [name, s] : impl_->sessions) s->stop();
}

}  // namespace tgd::session
