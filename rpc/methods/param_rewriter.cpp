#include "rpc/methods/param_rewriter.hpp"

#include "daemon/files/media_locator.hpp"
#include "protocol/crypto/random.hpp"
#include "protocol/tl/codec_error.hpp"
#include "protocol/tl/json_out.hpp"
#include "rpc/methods/json_builder.hpp"

namespace tgd::rpc::methods {

using simdjson::dom::element;

namespace {

bool is_long_vector(const tl::Schema& schema, const tl::TypeRef& t) {
  return (t.kind == tl::Kind::Vector || t.kind == tl::Kind::BareVector) &&
         schema.element(t).kind == tl::Kind::Long;
}

}  // namespace

ParamRewriter::ParamRewriter(const tl::Schema& schema, const PeerClassifier& peers)
    : schema_(schema),
      peers_(peers),
      relevant_types_(schema.types().size(), false),
      relevant_combinators_(schema.combinators().size(), false),
      peer_types_(schema.types().size()),
      random_(crypto::random_u64()) {
  for (std::size_t i = 0; i < schema.types().size(); ++i) {
    peer_types_[i] = peer_target(schema.types()[i].name);
    relevant_types_[i] = peer_types_[i].has_value();
    const std::string& name = schema.types()[i].name;
    if (name == "InputMedia") input_media_ = static_cast<std::uint32_t>(i);
    if (name == "InputFile") input_file_ = static_cast<std::uint32_t>(i);
    if (name == "InputMedia" || name == "InputFile") relevant_types_[i] = true;
  }
  for (std::size_t i = 0; i < schema.combinators().size(); ++i) {
    for (const tl::Param& p : schema.combinators()[i].params) {
      if (p.name == "random_id" && (p.type.kind == tl::Kind::Long || is_long_vector(schema, p.type)))
        relevant_combinators_[i] = true;
    }
  }
  // Fixpoint: a combinator is relevant if a parameter's type is; a type if a constructor is.
  for (bool changed = true; changed;) {
    changed = false;
    for (std::size_t i = 0; i < schema.combinators().size(); ++i) {
      const tl::Combinator& c = schema.combinators()[i];
      if (!relevant_combinators_[i]) {
        for (const tl::Param& p : c.params) {
          if (relevant(p.type)) {
            relevant_combinators_[i] = true;
            changed = true;
            break;
          }
        }
      }
      if (relevant_combinators_[i] && !c.is_function && c.result.kind == tl::Kind::Boxed &&
          !relevant_types_[c.result.index]) {
        relevant_types_[c.result.index] = true;
        changed = true;
      }
    }
  }
}

bool ParamRewriter::relevant(const tl::TypeRef& t) const {
  switch (t.kind) {
    case tl::Kind::Boxed:
      return relevant_types_[t.index];
    case tl::Kind::Bare:
      return relevant_combinators_[t.index];
    case tl::Kind::Vector:
    case tl::Kind::BareVector:
      return relevant(schema_.element(t));
    default:
      return false;
  }
}

struct ParamRewriter::Walk {
  ParamRewriter& r;
  std::string_view session;
  std::optional<std::int64_t> self_id;
  std::string out;
  std::vector<Hole> holes;
  std::optional<Error> error;
  bool changed = false;
  std::string path = "params";

  void raw(const element& v) { out += simdjson::minify(v); }

  void fail(int code, std::string why, const element& reference) {
    JsonObject data;
    data.str("path", path);
    data.raw("reference", simdjson::minify(reference));
    error = Error{code, path + ": " + std::move(why), data.done()};
  }

  std::string random_long() {
    return tl::json_quoted(std::to_string(static_cast<std::int64_t>(r.random_())));
  }

  void value(const element& v, const tl::TypeRef& t, int depth) {
    if (error) return;
    if (depth > tl::kMaxNesting) return raw(v);  // the codec refuses it with its path
    switch (t.kind) {
      case tl::Kind::Boxed: {
        const tl::Type& type = r.schema_.types()[t.index];
        if (const auto target = r.peer_types_[t.index]) return peer(v, type, *target, depth);
        if (t.index == r.input_file_ && v.is_string()) return upload(v);
        if (!r.relevant_types_[t.index] || !v.is_object()) return raw(v);
        if (t.index == r.input_media_ && constructor_of(v, t) == nullptr) return resend(v);
        if (const tl::Combinator* c = constructor_of(v, t)) return object(v, *c, depth + 1, false);
        return raw(v);
      }
      case tl::Kind::Bare:
        if (!r.relevant_combinators_[t.index] || !v.is_object()) return raw(v);
        return object(v, r.schema_.combinators()[t.index], depth + 1, false);
      case tl::Kind::Vector:
      case tl::Kind::BareVector: {
        const tl::TypeRef& item_type = r.schema_.element(t);
        simdjson::dom::array items;
        if (!r.relevant(item_type) || v.get(items) != simdjson::SUCCESS) return raw(v);
        out += '[';
        std::size_t i = 0;
        const std::size_t mark = path.size();
        for (element item : items) {
          if (i != 0) out += ',';
          path += '[' + std::to_string(i++) + ']';
          value(item, item_type, depth + 1);
          path.resize(mark);
          if (error) return;
        }
        out += ']';
        return;
      }
      default:
        return raw(v);
    }
  }

  // The constructor an object of boxed type `t` names ("_", or the type's only one); null if none
  // fits (the codec will say why).
  const tl::Combinator* constructor_of(const element& v, const tl::TypeRef& t) {
    std::string_view name;
    const tl::Type& type = r.schema_.types()[t.index];
    if (v["_"].get(name) != simdjson::SUCCESS) {
      return type.constructors.size() == 1 ? &r.schema_.combinators()[type.constructors[0]] : nullptr;
    }
    const tl::Combinator* c = r.schema_.find(name);
    if (c == nullptr || c->is_function || c->result.kind != tl::Kind::Boxed || c->result.index != t.index)
      return nullptr;
    return c;
  }

  void peer(const element& v, const tl::Type& type, PeerTarget target, int depth) {
    Classified c = r.peers_.classify(v, session, self_id, &type);
    if (auto* p = std::get_if<ResolvedPeer>(&c)) {
      auto rendered = render(*p, target);
      if (!rendered.error.empty()) return fail(codes::kInvalidParams, std::move(rendered.error), v);
      out += rendered.json;
      changed = true;
    } else if (auto* u = std::get_if<UsernameRef>(&c)) {
      holes.push_back(Hole{out.size(), std::move(u->username), target, path});
      changed = true;
    } else if (auto* miss = std::get_if<PeerMiss>(&c)) {
      fail(codes::kPeerNotFound, std::move(miss->why), v);
    } else if (auto* bad = std::get_if<NotAReference>(&c)) {
      fail(codes::kInvalidParams, std::move(bad->why) + "; " + std::string(to_string(target)) + " expected",
           v);
    } else {
      // Already the TL form: walk it for nested references (inputPeerUserFromMessage's peer).
      const tl::TypeRef t{tl::Kind::Boxed, static_cast<std::uint32_t>(&type - r.schema_.types().data())};
      const tl::Combinator* ctor = v.is_object() ? constructor_of(v, t) : nullptr;
      if (ctor != nullptr && r.relevant_combinators_[r.schema_.index_of(*ctor)])
        return object(v, *ctor, depth + 1, false);
      raw(v);
    }
  }

  // A path where an InputFile goes: the caller uploads it and fills the hole.
  void upload(const element& v) {
    std::string_view file;
    if (v.get(file) != simdjson::SUCCESS) return raw(v);
    holes.push_back(
        Hole{.offset = out.size(), .username = {}, .path = path, .upload_path = std::string(file)});
    changed = true;
  }

  // Something holding media where an InputMedia goes: the same file again, without an upload.
  void resend(const element& v) {
    auto media = files::input_media_for_resend(v, path);
    if (auto* e = std::get_if<files::LocateError>(&media)) {
      JsonObject data;
      data.str("path", e->path.empty() ? path : e->path);
      error = Error{
          codes::kInvalidParams,
          e->text() + " (an InputMedia, or an update, message, MessageMedia, Document or Photo expected)",
          data.done()};
      return;
    }
    out += std::get<std::string>(media);
    changed = true;
  }

  // A random value for `param` (random_id) of object `o`, or nullopt when it cannot be made.
  std::optional<std::string> random_for(const tl::Param& param, const simdjson::dom::object& o) {
    if (param.type.kind == tl::Kind::Long) return random_long();
    if (!is_long_vector(r.schema_, param.type)) return std::nullopt;
    simdjson::dom::array ids;
    if (o["id"].get(ids) != simdjson::SUCCESS) return std::nullopt;
    std::string list = "[";
    for (std::size_t i = 0; i < ids.size(); ++i) list += (i ? "," : "") + random_long();
    return list + "]";
  }

  void object(const element& v, const tl::Combinator& c, int depth, bool top) {
    simdjson::dom::object o;
    if (v.get(o) != simdjson::SUCCESS) return raw(v);
    const tl::Param* random_param = nullptr;
    for (const tl::Param& p : c.params) {
      if (p.name == "random_id") random_param = &p;
    }
    bool has_random = false;
    bool first = true;
    out += '{';
    const std::size_t mark = path.size();
    for (auto [key, field] : o) {
      if (top && key == "session") {
        changed = true;
        continue;
      }
      if (!first) out += ',';
      first = false;
      out += tl::json_quoted(key);
      out += ':';
      const tl::Param* param = nullptr;
      if (key != "_") {
        for (const tl::Param& p : c.params) {
          if (p.name == key) param = &p;
        }
      }
      if (param == nullptr) {
        raw(field);
        continue;
      }
      if (param == random_param) {
        has_random = true;
        if (field.is_null()) {
          if (auto value = random_for(*param, o)) {
            out += *value;
            changed = true;
            continue;
          }
        }
      }
      path += '.';
      path += key;
      value(field, param->type, depth);
      path.resize(mark);
      if (error) return;
    }
    if (random_param != nullptr && !has_random) {
      if (auto value = random_for(*random_param, o)) {
        if (!first) out += ',';
        out += R"("random_id":)";
        out += *value;
        changed = true;
      }
    }
    out += '}';
  }
};

ParamRewriter::Result ParamRewriter::rewrite(const tl::Combinator& method, const element& params,
                                             std::string_view session, std::optional<std::int64_t> self_id) {
  Walk walk{*this, session, self_id, {}, {}, {}, false};
  walk.object(params, method, 0, true);
  Result result;
  result.error = std::move(walk.error);
  result.changed = walk.changed;
  if (walk.changed && !result.error) {
    result.json = std::move(walk.out);
    result.holes = std::move(walk.holes);
  }
  return result;
}

std::string fill_holes(const std::string& json, const std::vector<ParamRewriter::Hole>& holes,
                       const std::vector<std::string>& rendered) {
  std::string out;
  std::size_t size = json.size();
  for (const std::string& r : rendered) size += r.size();
  out.reserve(size);
  std::size_t at = 0;
  for (std::size_t i = 0; i < holes.size(); ++i) {
    out.append(json, at, holes[i].offset - at);
    out += rendered[i];
    at = holes[i].offset;
  }
  out.append(json, at, std::string::npos);
  return out;
}

}  // namespace tgd::rpc::methods
