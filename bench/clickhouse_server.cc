#include "clickhouse_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "bench_util.h"
#include "child_process.h"
#include "http_client.h"

namespace hoptrace::bench {

namespace {

// Attempts at starting the server; a new attempt (fresh ports) follows only when another
// process took one of the chosen ports between choosing and binding.
constexpr int kStartAttempts = 3;
constexpr int kPollMs = 100;
constexpr size_t kLogTailBytes = 1500;

using Clock = std::chrono::steady_clock;

std::string XmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

// `count` distinct ports free on 127.0.0.1 right now: each bound to port 0 (the kernel picks an
// ephemeral one) and held until all are chosen, then released for the server to bind.
StatusOr<std::vector<uint16_t>> FreeLoopbackPorts(int count) {
  std::vector<int> fds;
  std::vector<uint16_t> ports;
  Status status;
  for (int i = 0; i < count && status.ok(); ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      status = ErrnoToStatus(errno, "socket", "127.0.0.1");
      break;
    }
    fds.push_back(fd);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      status = ErrnoToStatus(errno, "bind", "127.0.0.1:0");
      break;
    }
    ports.push_back(ntohs(addr.sin_port));
  }
  for (int fd : fds) ::close(fd);
  if (!status.ok()) return status;
  return ports;
}

std::string ConfigXml(const std::string& dir, const std::vector<uint16_t>& ports) {
  const std::string d = XmlEscape(dir);
  std::ostringstream x;
  x << "<?xml version=\"1.0\"?>\n"
    << "<!-- Written by hoptrace's store_bench for a private, loopback-only server. -->\n"
    << "<yandex>\n"
    << "  <logger>\n"
    << "    <level>warning</level>\n"
    << "    <log>" << d << "/logs/clickhouse-server.log</log>\n"
    << "    <errorlog>" << d << "/logs/clickhouse-server.err.log</errorlog>\n"
    << "    <size>100M</size>\n"
    << "    <count>1</count>\n"
    << "  </logger>\n"
    << "  <listen_host>127.0.0.1</listen_host>\n"
    << "  <http_port>" << ports[0] << "</http_port>\n"
    << "  <tcp_port>" << ports[1] << "</tcp_port>\n"
    << "  <interserver_http_port>" << ports[2] << "</interserver_http_port>\n"
    << "  <interserver_http_host>127.0.0.1</interserver_http_host>\n"
    << "  <path>" << d << "/data/</path>\n"
    << "  <tmp_path>" << d << "/tmp/</tmp_path>\n"
    << "  <user_files_path>" << d << "/user_files/</user_files_path>\n"
    << "  <format_schema_path>" << d << "/format_schemas/</format_schema_path>\n"
    << "  <users_config>" << d << "/users.xml</users_config>\n"
    << "  <default_profile>default</default_profile>\n"
    << "  <default_database>default</default_database>\n"
    << "  <timezone>UTC</timezone>\n"
    << "  <max_connections>64</max_connections>\n"
    << "  <keep_alive_timeout>3</keep_alive_timeout>\n"
    << "  <max_concurrent_queries>16</max_concurrent_queries>\n"
    // The package's defaults (allocated on demand; 18.16 refuses to start without them).
    << "  <mark_cache_size>5368709120</mark_cache_size>\n"
    << "  <uncompressed_cache_size>8589934592</uncompressed_cache_size>\n"
    << "  <mlock_executable>false</mlock_executable>\n"
    << "</yandex>\n";
  return x.str();
}

// One user, `default`, without password, reachable from 127.0.0.1 only; the package's default
// profile and an unlimited quota.
constexpr const char* kUsersXml = R"xml(<?xml version="1.0"?>
<!-- Written by hoptrace's store_bench for a private, loopback-only server. -->
<yandex>
  <profiles>
    <default>
      <max_memory_usage>10000000000</max_memory_usage>
      <use_uncompressed_cache>0</use_uncompressed_cache>
      <load_balancing>random</load_balancing>
    </default>
  </profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas>
    <default>
      <interval>
        <duration>3600</duration>
        <queries>0</queries>
        <errors>0</errors>
        <result_rows>0</result_rows>
        <read_rows>0</read_rows>
        <execution_time>0</execution_time>
      </interval>
    </default>
  </quotas>
</yandex>
)xml";

Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return InternalError("cannot write " + path);
  return Status::Ok();
}

bool IsExecutableFile(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

}  // namespace

StatusOr<std::vector<std::string>> ClickHouseServer::FindCommand() {
  std::vector<std::string> dirs = {"/usr/bin", "/usr/sbin"};
  if (const char* path = std::getenv("PATH")) {
    std::string_view rest = path;
    while (!rest.empty()) {
      size_t colon = rest.find(':');
      std::string_view entry = rest.substr(0, colon);
      if (!entry.empty()) dirs.emplace_back(entry);
      rest = colon == std::string_view::npos ? "" : rest.substr(colon + 1);
    }
  }
  for (const std::string& d : dirs) {
    if (IsExecutableFile(d + "/clickhouse-server")) return std::vector{d + "/clickhouse-server"};
  }
  for (const std::string& d : dirs) {
    if (IsExecutableFile(d + "/clickhouse")) {
      return std::vector<std::string>{d + "/clickhouse", "server"};
    }
  }
  return NotFoundError(
      "clickhouse-server is not installed (no clickhouse-server or clickhouse in /usr/bin, "
      "/usr/sbin or PATH); `scripts/setup --bench` installs Debian's clickhouse-server");
}

StatusOr<std::unique_ptr<ClickHouseServer>> ClickHouseServer::Start(
    const ClickHouseServerOptions& options) {
  HT_ASSIGN_OR_RETURN(std::vector<std::string> command, FindCommand());
  Status last;
  for (int attempt = 1; attempt <= kStartAttempts; ++attempt) {
    HT_ASSIGN_OR_RETURN(std::string dir, MakeTempDir(options.parent_dir, "clickhouse-server."));
    std::unique_ptr<ClickHouseServer> server(new ClickHouseServer(options, dir));
    last = server->Launch(command);
    if (last.ok()) return server;
    bool port_taken = last.message().find("Address already in use") != std::string::npos;
    server->Stop().IgnoreError();  // the error to report is the launch's
    if (!port_taken || attempt == kStartAttempts) break;
    Progress("clickhouse-server: a chosen port was taken meanwhile; retrying with new ports");
  }
  return last;
}

ClickHouseServer::~ClickHouseServer() { Stop().IgnoreError(); }

Status ClickHouseServer::Launch(const std::vector<std::string>& command) {
  for (const char* sub : {"data", "tmp", "user_files", "format_schemas", "logs"}) {
    std::string path = dir_ + "/" + sub;
    if (::mkdir(path.c_str(), 0755) != 0) return ErrnoToStatus(errno, "mkdir", path);
  }
  HT_ASSIGN_OR_RETURN(std::vector<uint16_t> ports, FreeLoopbackPorts(3));
  const std::string config = dir_ + "/config.xml";
  HT_RETURN_IF_ERROR(WriteFile(config, ConfigXml(dir_, ports)));
  HT_RETURN_IF_ERROR(WriteFile(dir_ + "/users.xml", kUsersXml));
  http_port_ = ports[0];
  url_ = "http://127.0.0.1:" + std::to_string(http_port_);

  std::vector<std::string> args = command;
  args.push_back("--config-file=" + config);
  HT_ASSIGN_OR_RETURN(process_, ChildProcess::Start(args, dir_ + "/logs/console.log", dir_));
  Progress("clickhouse-server: started (pid %d) in %s, HTTP on %s; waiting for /ping",
           static_cast<int>(process_->pid()), dir_.c_str(), url_.c_str());
  return WaitUntilReady();
}

Status ClickHouseServer::WaitUntilReady() {
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::milliseconds(options_.startup_timeout_ms);
  HT_ASSIGN_OR_RETURN(LoopbackUrl url, ParseLoopbackUrl(url_));
  for (;;) {
    int wait_status = 0;
    if (Exited(&wait_status)) {
      return UnavailableError("clickhouse-server " + DescribeWaitStatus(wait_status) +
                              " while starting; its log ends:\n" + LogTail());
    }
    HttpClient http(url);
    http.set_timeout_ms(2'000);
    StatusOr<std::string> ping = http.Get("/ping");
    if (ping.ok() && ping->rfind("Ok.", 0) == 0) {
      Progress("clickhouse-server: ready after %.1f s",
               std::chrono::duration<double>(Clock::now() - start).count());
      return Status::Ok();
    }
    if (Clock::now() >= deadline) {
      std::string message = "clickhouse-server did not answer GET " + url_ + "/ping within " +
                            std::to_string(options_.startup_timeout_ms / 1000) + " s (last: ";
      if (ping.ok()) {
        message.append("answer '").append(ping->substr(0, 100)).append("'");
      } else {
        message.append(ping.status().ToString());
      }
      message.append("); its log ends:\n").append(LogTail());
      return Status(StatusCode::kDeadlineExceeded, std::move(message));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
  }
}

bool ClickHouseServer::Exited(int* wait_status) {
  *wait_status = 0;
  return !process_ || process_->Exited(wait_status);
}

std::string ClickHouseServer::LogTail() const {
  std::string tail = FileTail(dir_ + "/logs/clickhouse-server.err.log", kLogTailBytes);
  if (tail.empty()) tail = FileTail(dir_ + "/logs/console.log", kLogTailBytes);
  return tail.empty() ? "(empty)" : tail;
}

Status ClickHouseServer::Stop() {
  Status status;
  if (process_) {
    const ChildProcess::StopOutcome stopped = process_->Stop(options_.stop_timeout_ms);
    process_.reset();
    const int ws = stopped.wait_status;
    if (stopped.exited_before) {
      status = UnavailableError("clickhouse-server had " + DescribeWaitStatus(ws) +
                                " before it was stopped; its log ends:\n" + LogTail());
    } else if (stopped.killed) {
      status = UnavailableError("clickhouse-server did not exit within " +
                                std::to_string(options_.stop_timeout_ms / 1000) +
                                " s of SIGTERM; killed");
    } else if ((!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) &&
               !(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGTERM)) {
      status = UnavailableError("clickhouse-server " + DescribeWaitStatus(ws) +
                                " on SIGTERM; its log ends:\n" + LogTail());
    }
  }
  if (!dir_.empty()) {
    RemoveTree(dir_);
    dir_.clear();
  }
  return status;
}

}  // namespace hoptrace::bench
