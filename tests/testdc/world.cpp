#include "tests/testdc/world.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include "protocol/crypto/hash.hpp"
#include "protocol/crypto/random.hpp"
#include "protocol/tl/json_to_tl.hpp"

namespace tgd::testdc {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

int test_phone_dc(std::string_view phone, int dc_count) {
  if (phone.size() != 10 || !phone.starts_with("99966")) return 0;
  if (!std::all_of(phone.begin(), phone.end(), [](char c) { return c >= '0' && c <= '9'; })) return 0;
  const int dc = phone[5] - '0';
  return dc >= 1 && dc <= dc_count ? dc : 0;
}

std::string test_phone_code(int dc) { return std::string(5, static_cast<char>('0' + dc)); }

std::optional<BotToken> parse_bot_token(std::string_view token) {
  const auto colon = token.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 13) return std::nullopt;
  BotToken out;
  const auto id = token.substr(0, colon);
  if (id[0] == '0') return std::nullopt;
  auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), out.bot_id);
  if (ec != std::errc() || end != id.data() + id.size()) return std::nullopt;
  if (out.bot_id <= 0 || out.bot_id >= (std::int64_t{1} << 40)) return std::nullopt;
  out.secret = std::string(token.substr(colon + 1));
  if (out.secret.size() < 8) return std::nullopt;
  for (char c : out.secret) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return std::nullopt;
  }
  return out;
}

bool valid_username(std::string_view u) {
  if (u.size() < 5 || u.size() > 32) return false;
  if (!std::isalpha(static_cast<unsigned char>(u[0])) || u.back() == '_') return false;
  return std::all_of(u.begin(), u.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

Message* find_message(std::vector<Message>& box, int id) {
  const auto it = std::lower_bound(box.begin(), box.end(), id,
                                   [](const Message& m, int wanted) { return m.id < wanted; });
  return it != box.end() && it->id == id ? &*it : nullptr;
}

World::World(int dc_count, UpdateOptions update_options)
    : dc_count_(dc_count),
      update_options_(update_options),
      files_(dc_count),
      hash_secret_(crypto::random_bytes(32)) {
  pushes_.set_validator([this](std::int64_t user, const SessionRef& s) {
    const auto it = authorizations_.find({s.dc, s.auth_key_id});
    return it != authorizations_.end() && it->second == user;
  });
}

World::~World() = default;

void World::attach_schema(const tl::Schema& api) {
  if (encoder_) return;
  encoder_ = std::make_unique<tl::JsonToTl>(api);
  // Any method answering Updates gives the type to encode pushes as.
  const tl::Combinator* method = api.find("channels.joinChannel");
  if (!method) throw std::logic_error("the API schema has no channels.joinChannel");
  updates_type_ = &method->result;
  const tl::Combinator* get_users = api.find("users.getUsers");
  if (!get_users) throw std::logic_error("the API schema has no users.getUsers");
  users_type_ = &get_users->result;
}

Bytes World::encode_updates(std::string_view json) {
  if (!encoder_) throw std::logic_error("World::encode_updates before attach_schema");
  Bytes out;
  if (auto error = encoder_->encode_text(json, *updates_type_, out, "updates")) {
    throw std::logic_error("a push does not match the schema: " + error->to_string() + ": " +
                           std::string(json));
  }
  return out;
}

Bytes World::encode_users(std::string_view json) {
  if (!encoder_) throw std::logic_error("World::encode_users before attach_schema");
  Bytes out;
  if (auto error = encoder_->encode_text(json, *users_type_, out, "users")) {
    throw std::logic_error("users do not match the schema: " + error->to_string());
  }
  return out;
}

int World::log_event(Account& a, BoxEvent event) {
  a.pts += event.pts_count;
  a.date = event.date;
  event.pts = a.pts;
  a.log.append(std::move(event), update_options_.account_log_limit);
  return a.pts;
}

int World::log_event(Channel& ch, BoxEvent event) {
  ch.pts += event.pts_count;
  ch.last_event_date = event.date;
  event.pts = ch.pts;
  ch.log.append(std::move(event), update_options_.channel_log_limit);
  return ch.pts;
}

std::int32_t World::now() {
  return static_cast<std::int32_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

void World::inject_error(std::string method, ApiError error, int count, int dc) {
  if (count > 0) faults_.push_back(Fault{std::move(method), dc, std::move(error), count});
}

std::optional<ApiError> World::take_injected_error(std::string_view method, int dc) {
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if ((it->method.empty() || it->method == method) && (it->dc == 0 || it->dc == dc)) {
      ApiError error = it->error;
      if (--it->remaining == 0) faults_.erase(it);
      return error;
    }
  }
  return std::nullopt;
}

void World::inject_drop(std::string method, int every, int count, int dc) {
  if (count > 0 && every > 0) drops_.push_back(Drop{std::move(method), dc, every, count, 0});
}

bool World::take_drop(std::string_view method, int dc) {
  for (auto it = drops_.begin(); it != drops_.end(); ++it) {
    if ((it->method.empty() || it->method == method) && (it->dc == 0 || it->dc == dc)) {
      if (++it->seen < it->every) return false;
      it->seen = 0;
      if (--it->remaining == 0) drops_.erase(it);
      return true;
    }
  }
  return false;
}

void World::revoke_authorizations(std::int64_t user_id) {
  for (auto it = authorizations_.begin(); it != authorizations_.end();) {
    if (it->second == user_id) {
      revoked_.insert(it->first);
      it = authorizations_.erase(it);
    } else {
      ++it;
    }
  }
}

Account& World::new_user(std::string phone, std::string first_name, std::string last_name) {
  while (accounts_.count(next_user_id_)) ++next_user_id_;
  Account& a = accounts_[next_user_id_];
  a.id = next_user_id_++;
  a.home_dc = test_phone_dc(phone, dc_count_);
  a.phone = std::move(phone);
  a.first_name = std::move(first_name);
  a.last_name = std::move(last_name);
  return a;
}

Account& World::create_user(std::string_view phone, std::string first_name, std::string last_name) {
  if (!test_phone_dc(phone, dc_count_))
    throw std::invalid_argument("not a test phone number: " + std::string(phone));
  if (find_by_phone(phone)) throw std::invalid_argument("phone number taken: " + std::string(phone));
  return new_user(std::string(phone), std::move(first_name), std::move(last_name));
}

Account& World::create_bot(std::string_view token, int home_dc, std::string first_name) {
  auto parsed = parse_bot_token(token);
  if (!parsed) throw std::invalid_argument("not a bot token: " + std::string(token));
  if (accounts_.count(parsed->bot_id)) throw std::invalid_argument("account id taken: " + std::string(token));
  Account& a = accounts_[parsed->bot_id];
  a.id = parsed->bot_id;
  a.bot = true;
  a.bot_secret = parsed->secret;
  a.home_dc = home_dc;
  a.first_name = std::move(first_name);
  a.username = "bot" + std::to_string(a.id) + "_bot";
  return a;
}

void World::set_password(std::int64_t user_id, std::string_view password, std::string hint) {
  Account* a = find_account(user_id);
  if (!a) throw std::invalid_argument("no account " + std::to_string(user_id));
  a->srp_attempt.reset();
  if (password.empty()) {
    a->password.reset();
  } else {
    a->password = srp_password_from_text(password, std::move(hint));
  }
}

void World::authorize(int dc, std::uint64_t auth_key_id, std::int64_t user_id) {
  const KeyRef key{dc, auth_key_id};
  authorizations_[key] = user_id;
  revoked_.erase(key);
  password_pending_.erase(key);
}

Account* World::find_account(std::int64_t id) {
  auto it = accounts_.find(id);
  return it == accounts_.end() ? nullptr : &it->second;
}

Account* World::find_by_phone(std::string_view phone) {
  for (auto& [id, a] : accounts_) {
    if (!a.bot && a.phone == phone) return &a;
  }
  return nullptr;
}

Account* World::find_by_username(std::string_view username) {
  const std::string wanted = lower(username);
  for (auto& [id, a] : accounts_) {
    if (!a.username.empty() && lower(a.username) == wanted) return &a;
  }
  return nullptr;
}

Channel* World::find_channel(std::int64_t id) {
  auto it = channels_.find(id);
  return it == channels_.end() ? nullptr : &it->second;
}

Channel* World::find_channel_by_username(std::string_view username) {
  const std::string wanted = lower(username);
  for (auto& [id, c] : channels_) {
    if (!c.username.empty() && lower(c.username) == wanted) return &c;
  }
  return nullptr;
}

std::vector<const Account*> World::accounts() const {
  std::vector<const Account*> out;
  for (const auto& [id, a] : accounts_) out.push_back(&a);
  return out;
}

std::optional<std::int64_t> World::authorized_user(int dc, std::uint64_t auth_key_id) const {
  auto it = authorizations_.find({dc, auth_key_id});
  if (it == authorizations_.end()) return std::nullopt;
  return it->second;
}

bool World::take_revoked(int dc, std::uint64_t auth_key_id) { return revoked_.erase({dc, auth_key_id}) > 0; }

void World::log_out(int dc, std::uint64_t auth_key_id) {
  authorizations_.erase({dc, auth_key_id});
  password_pending_.erase({dc, auth_key_id});
}

void World::forget_auth_key(int dc, std::uint64_t auth_key_id) {
  log_out(dc, auth_key_id);
  revoked_.erase({dc, auth_key_id});
  inits_.erase({dc, auth_key_id});
}

void World::set_password_pending(int dc, std::uint64_t auth_key_id, std::int64_t user_id) {
  password_pending_[{dc, auth_key_id}] = user_id;
}

std::optional<std::int64_t> World::password_pending(int dc, std::uint64_t auth_key_id) const {
  auto it = password_pending_.find({dc, auth_key_id});
  if (it == password_pending_.end()) return std::nullopt;
  return it->second;
}

void World::set_connection_init(int dc, std::uint64_t auth_key_id, ConnectionInit init) {
  inits_[{dc, auth_key_id}] = std::move(init);
}

const ConnectionInit* World::connection_init(int dc, std::uint64_t auth_key_id) const {
  auto it = inits_.find({dc, auth_key_id});
  return it == inits_.end() ? nullptr : &it->second;
}

std::int64_t World::access_hash(std::int64_t viewer, PeerRef peer) const {
  std::uint8_t ids[17];
  std::memcpy(ids, &viewer, 8);
  std::memcpy(ids + 8, &peer.id, 8);
  ids[16] = static_cast<std::uint8_t>(peer.kind);
  const auto digest = crypto::sha256({hash_secret_, ByteSpan(ids, sizeof ids)});
  std::int64_t hash = 0;
  std::memcpy(&hash, digest.data(), 8);
  return hash == 0 ? 1 : hash;
}

Channel& World::new_channel(std::int64_t creator, std::string title, std::string about, bool megagroup) {
  Channel& c = channels_[next_channel_id_];
  c.id = next_channel_id_++;
  c.title = std::move(title);
  c.about = std::move(about);
  c.megagroup = megagroup;
  c.broadcast = !megagroup;
  c.creator = creator;
  c.date = now();
  c.members.insert(creator);
  return c;
}

}  // namespace tgd::testdc
