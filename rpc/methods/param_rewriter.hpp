#pragma once
// The conveniences of TL calls, applied by walking the params against the method's parameter types
// (and nested objects by their "_" constructor, vectors element by element):
//
//   - a value where InputPeer / InputUser / InputChannel is expected may be a peer reference
//     (peers.hpp); it becomes the input constructor, from the peer cache or the object itself.
//     A username the cache does not know is left as a hole for the caller to fill after
//     contacts.resolveUsername;
//   - random_id (long) is filled with a random int64 when absent; a Vector<long> random_id when
//     the same object has an "id" array (one per id, as messages.forwardMessages takes);
//   - a value where InputMedia is expected may be anything holding media (an update, a message, a
//     MessageMedia, a Document or Photo: files::input_media_for_resend) — the same file sent again
//     without uploading it;
//   - a value where InputFile is expected may be a path on disk (a JSON string): left as a hole for
//     the caller to fill with the InputFile of an upload;
//   - anything already in the TL form (an object whose "_" is a constructor of the expected type)
//     passes through untouched;
//   - the "session" field of the top-level params is dropped (it selects the session).
//
// Only parameter types that can hold one of these are walked (computed once from the schema);
// other values are copied as they are. When nothing changes the caller keeps the original text.
#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/tl/schema.hpp"
#include "rpc/jsonrpc/method_handler.hpp"
#include "rpc/methods/peers.hpp"

namespace tgd::rpc::methods {

class ParamRewriter {
 public:
  ParamRewriter(const tl::Schema& schema, const PeerClassifier& peers);

  // What the caller must fill in at `offset` of the text: the input constructor of a username to
  // resolve over the network, or the InputFile of a file to upload.
  struct Hole {
    std::size_t offset = 0;
    std::string username;  // empty for an upload
    PeerTarget target = PeerTarget::InputPeer;
    std::string path;           // e.g. "params.peer"
    std::string upload_path{};  // the file to upload
  };
  struct Result {
    std::string json;  // the rewritten params, when changed (holes still to fill)
    bool changed = false;
    std::vector<Hole> holes;
    std::optional<Error> error;
  };

  Result rewrite(const tl::Combinator& method, const simdjson::dom::element& params, std::string_view session,
                 std::optional<std::int64_t> self_id);

  // Whether values of this type may need the walk.
  bool relevant(const tl::TypeRef& type) const;

 private:
  struct Walk;
  const tl::Schema& schema_;
  const PeerClassifier& peers_;
  std::vector<bool> relevant_types_;                   // by type index
  std::vector<bool> relevant_combinators_;             // by combinator index
  std::vector<std::optional<PeerTarget>> peer_types_;  // by type index
  std::optional<std::uint32_t> input_media_;           // type indexes of InputMedia and InputFile
  std::optional<std::uint32_t> input_file_;
  std::mt19937_64 random_;
};

// Splices the rendered input constructors into the holes (in order of offset).
std::string fill_holes(const std::string& json, const std::vector<ParamRewriter::Hole>& holes,
                       const std::vector<std::string>& rendered);

}  // namespace tgd::rpc::methods
