// The lifecycle of a phone number from C++17, with RAII owning every handle and string.
//
//   make install PREFIX="$PWD/prefix" && export PKG_CONFIG_PATH="$PWD/prefix/lib/pkgconfig"
//   c++ -std=c++17 -Wall -Wextra -pedantic examples/cpp/quickstart.cpp -o quickstart_cpp
//       $(pkg-config --cflags --libs agentphone) -Wl,-rpath,"$PWD/prefix/lib"
//   AGENTPHONE_API_KEY=... AGENTPHONE_BASE_URL=... ./quickstart_cpp
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>

#include "agentphone.h"

namespace agentphone {

// Thrown for any status but AGENTPHONE_OK; what() is the error JSON.
struct Error : std::runtime_error {
  agentphone_status status;
  Error(agentphone_status s, const std::string &json) : std::runtime_error(json), status(s) {}
};

struct StringFree {
  void operator()(char *s) const { agentphone_string_free(s); }
};
using OwnedString = std::unique_ptr<char, StringFree>;

struct ClientFree {
  void operator()(agentphone_client *c) const { agentphone_client_free(c); }
};

class Client {
 public:
  explicit Client(const char *config_json = nullptr) {
    agentphone_client *raw = nullptr;
    char *error = nullptr;
    agentphone_status s = agentphone_client_new(config_json, &raw, &error);
    OwnedString owned(error);
    if (s != AGENTPHONE_OK) throw Error(s, owned ? owned.get() : "");
    client_.reset(raw);
  }

  // Each call returns the result JSON or throws Error with the error JSON.
  template <typename F>
  std::string call(F f) const {
    char *out = nullptr;
    agentphone_status s = f(client_.get(), &out);
    OwnedString owned(out);
    std::string text = owned ? owned.get() : "";
    if (s != AGENTPHONE_OK) throw Error(s, text);
    return text;
  }

  std::string create(const char *request_json) const {
    return call([&](auto c, char **o) { return agentphone_numbers_create(c, request_json, o); });
  }
  std::string list(const char *query_json) const {
    return call([&](auto c, char **o) { return agentphone_numbers_list(c, query_json, o); });
  }
  std::string messages(const std::string &id) const {
    return call([&](auto c, char **o) { return agentphone_numbers_messages(c, id.c_str(), nullptr, o); });
  }
  std::string attach(const std::string &agent, const std::string &id) const {
    return call([&](auto c, char **o) {
      return agentphone_agents_attach_number(c, agent.c_str(), id.c_str(), o);
    });
  }
  std::string release(const std::string &id) const {
    return call([&](auto c, char **o) { return agentphone_numbers_release(c, id.c_str(), o); });
  }

 private:
  std::unique_ptr<agentphone_client, ClientFree> client_;
};

}  // namespace agentphone

static std::string field(const std::string &json, const std::string &key) {
  auto at = json.find("\"" + key + "\":\"");
  if (at == std::string::npos) return "";
  at += key.size() + 4;
  return json.substr(at, json.find('"', at) - at);
}

int main() {
  try {
    agentphone::Client client;  // AGENTPHONE_API_KEY / AGENTPHONE_BASE_URL
    const char *agent_env = std::getenv("AGENTPHONE_AGENT_ID");
    std::string agent = agent_env ? agent_env : "agt_sandbox";

    std::string number = client.create(R"({"country": "US"})");
    std::string id = field(number, "id");
    std::printf("create   %s\n", number.c_str());
    try {
      std::printf("attach   %s\n", client.attach(agent, id).c_str());
      std::printf("list     %s\n", client.list(R"({"limit": 20})").c_str());
      std::printf("messages %s\n", client.messages(id).c_str());
    } catch (const agentphone::Error &e) {
      std::fprintf(stderr, "%s: %s\n", agentphone_status_name(e.status), e.what());
      client.release(id);  // never leave a billed number behind
      return 1;
    }
    std::printf("release  %s\n", client.release(id).c_str());
  } catch (const agentphone::Error &e) {
    std::fprintf(stderr, "%s: %s\n", agentphone_status_name(e.status), e.what());
    return 1;
  }
  return 0;
}
