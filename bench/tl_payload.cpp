#include "tl_payload.hpp"

#include <string>

namespace tgd::bench {
namespace {

std::string q(const std::string& s) { return "\"" + s + "\""; }
std::string num(long long v) { return std::to_string(v); }
std::string big(long long v) { return q(std::to_string(v)); }

const char* kTexts[] = {
    "Hey @alice, did you see the new release? It fixes the sync bug 🎉 and the download stalls.",
    "Meeting moved to 15:30 — room 4.12. Bring the **draft** and the numbers from last week, please.",
    "Привет! Посмотри, пожалуйста, https://example.org/docs/page?id=42 когда будет минутка "
    "🙂",
    "ok",
    "The build is green again. Benchmarks: 812 MB/s decode, 455 MB/s encode. Details in the thread 👇",
};

std::string peer_user(long long id) { return R"({"_":"peerUser","user_id":)" + big(id) + "}"; }

std::string entities(int i) {
  return R"([{"_":"messageEntityMention","offset":4,"length":6},)"
         R"({"_":"messageEntityBold","offset":)" +
         num(10 + i % 5) +
         R"(,"length":5},)"
         R"({"_":"messageEntityTextUrl","offset":20,"length":8,"url":"https://example.org/a/)" +
         num(i) + "\"}]";
}

std::string photo(int i) {
  return R"({"_":"messageMediaPhoto","photo":{"_":"photo","id":)" + big(5000000000000000000LL + i) +
         R"(,"access_hash":)" + big(-4000000000000000000LL - i) +
         R"(,"file_reference":"AgADBAADr6cxG2xkAAFQ4wABAQID","date":1700000000,"sizes":[)"
         R"({"_":"photoStrippedSize","type":"i","bytes":"AShBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWg=="},)"
         R"({"_":"photoSize","type":"m","w":320,"h":240,"size":23456},)"
         R"({"_":"photoSize","type":"x","w":800,"h":600,"size":98765}],"dc_id":2}})";
}

std::string document(int i) {
  return R"({"_":"messageMediaDocument","document":{"_":"document","id":)" + big(6000000000000000000LL + i) +
         R"(,"access_hash":)" + big(1234567890123LL * i) +
         R"(,"file_reference":"AQADBAADr6cxG2xkAAFQ4wABAQID","date":1700000100,"mime_type":"video/mp4",)"
         R"("size":)" +
         big(48000000 + i) +
         R"(,"dc_id":4,"attributes":[{"_":"documentAttributeVideo","supports_streaming":true,"duration":12.5,)"
         R"("w":1280,"h":720},{"_":"documentAttributeFilename","file_name":"clip_)" +
         num(i) + R"(.mp4"}]}})";
}

std::string message(int i) {
  std::string m = R"({"_":"message","out":)" + std::string(i % 3 == 0 ? "true" : "false") + R"(,"id":)" +
                  num(100000 + i) + R"(,"from_id":)" + peer_user(1000 + i % 20) +
                  R"(,"peer_id":{"_":"peerChannel","channel_id":)" + big(1500000000 + i % 5) + "}";
  if (i % 7 == 0)
    m += R"(,"fwd_from":{"_":"messageFwdHeader","from_id":)" + peer_user(2000 + i) + R"(,"date":1699990000})";
  if (i % 4 == 0)
    m += R"(,"reply_to":{"_":"messageReplyHeader","reply_to_msg_id":)" + num(100000 + i - 1) + "}";
  m += R"(,"date":)" + num(1700000000 + i * 17) + R"(,"message":)" + q(kTexts[i % 5]);
  if (i % 5 == 1) m += R"(,"media":)" + photo(i);
  if (i % 5 == 3) m += R"(,"media":)" + document(i);
  m += R"(,"entities":)" + entities(i);
  m += R"(,"views":)" + num(1000 + i) + R"(,"forwards":)" + num(i % 11);
  if (i % 3 == 0)
    m += R"(,"reactions":{"_":"messageReactions","results":[{"_":"reactionCount","reaction":)"
         R"({"_":"reactionEmoji","emoticon":"👍"},"count":)" +
         num(i) + "}]}";
  m += "}";
  return m;
}

std::string user(int i) {
  return R"({"_":"user","contact":true,"id":)" + big(1000 + i) + R"(,"access_hash":)" +
         big(-7000000000000000000LL + i * 1000003LL) + R"(,"first_name":"User )" + num(i) +
         R"(","last_name":"Example","username":"user_)" + num(i) +
         R"(","photo":{"_":"userProfilePhoto","photo_id":)" + big(3000000000000000LL + i) +
         R"(,"stripped_thumb":"AQgIAQIDBAUGBw==","dc_id":2},"status":{"_":"userStatusOffline","was_online":1700000000}})";
}

std::string channel(int i) {
  return R"({"_":"channel","megagroup":true,"id":)" + big(1500000000 + i) + R"(,"access_hash":)" +
         big(8000000000000000000LL + i) + R"(,"title":"Project chat )" + num(i) +
         R"(","username":"project_)" + num(i) + R"(","photo":{"_":"chatPhoto","photo_id":)" +
         big(4000000000000LL + i) + R"(,"dc_id":2},"date":1690000000,"participants_count":)" + num(500 + i) +
         "}";
}

}  // namespace

std::string realistic_messages_json(int messages) {
  std::string out = R"({"_":"messages.messages","messages":[)";
  for (int i = 0; i < messages; ++i) out += (i ? "," : "") + message(i);
  out += R"(],"topics":[],"chats":[)";
  for (int i = 0; i < 5; ++i) out += (i ? "," : "") + channel(i);
  out += R"(],"users":[)";
  for (int i = 0; i < 20; ++i) out += (i ? "," : "") + user(i);
  out += "]}";
  return out;
}

}  // namespace tgd::bench
