// The weft CLI's subcommands, apart from their command-line parsing (main.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace weft::cli {

// As Dask's: people who know one find the other.
inline constexpr int kDefaultDashboardPort = 8787;

struct SchedulerArgs {
  std::string host = "0.0.0.0";
  int port = 8786;
  double heartbeat_timeout = 5;
  int dashboard_port = kDefaultDashboardPort;
  std::string dashboard_host = "127.0.0.1";
};

struct SecurityArgs {
  std::string key;  // a key file; empty: WEFT_KEY
  bool insecure = false;
};

struct WorkerArgs {
  std::string scheduler;
  int nthreads = 0;
  std::string memory_limit;  // a size as parse_size reads it; empty: none
  std::string spill_dir;     // empty: $TMPDIR
  std::string host = "127.0.0.1";
  std::string resources;
  std::vector<std::string> load;
  std::string name;
  double lost_after = 10;
};

// Sets this process's link security from --key/--insecure, else from the environment
// (net::configure_security_from_env). Throws ConfigError naming `command` when none is set.
void configure_security(const SecurityArgs& args, const std::string& command);

// Each returns the process exit code; failures are reported on stderr.
int run_keygen(const std::string& path, bool force);
int run_scheduler(const SchedulerArgs& args);
int run_worker(const WorkerArgs& args);
int run_status(const std::string& address, double timeout);
int run_shutdown(const std::string& address, double timeout);

// "4GB", "512MiB", "1.5 GB", "1000": bytes. Decimal (KB, MB, GB, TB: powers of 1000) and
// binary (KiB, MiB, GiB, TiB) suffixes, any case, as in Dask. nullopt when malformed.
std::optional<std::uint64_t> parse_size(const std::string& text);

// "HOST:PORT" becomes "tcp://HOST:PORT"; tcp:// and ipc:// addresses are kept. Empty when
// the address is malformed.
std::string scheduler_address(const std::string& text);

}  // namespace weft::cli
