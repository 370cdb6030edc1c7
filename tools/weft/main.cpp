// weft: the command line to run a cluster by hand.
//
//   weft scheduler [--host H] [--port P]       serve a scheduler
//   weft worker --scheduler ADDR [...]         serve a worker (--load LIB.so for the tasks)
//   weft status ADDR                           what the cluster holds
//   weft shutdown ADDR                         stop the scheduler and its workers
//   weft keygen --out FILE                     make the cluster key every member needs
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "diag/log.hpp"
#include "net/security.hpp"
#include "net/wire.hpp"
#include "worker/worker.hpp"

namespace {

using weft::cli::parse_size;
using weft::cli::scheduler_address;

const CLI::Validator kSize(
    [](std::string& s) -> std::string {
      return parse_size(s) ? "" : "expected a size like 4GB, 512MiB or 1000000 (bytes)";
    },
    "");

const CLI::Validator kAddress(
    [](std::string& s) -> std::string {
      return scheduler_address(s).empty() ? "expected tcp://HOST:PORT, HOST:PORT or ipc://PATH"
                                          : "";
    },
    "");

const CLI::Validator kReachableHost(
    [](std::string& s) -> std::string {
      if (s.empty() || s == "0.0.0.0" || s == "*" || s == "::") {
        return "must be an address other workers and clients can reach, not a wildcard";
      }
      return "";
    },
    "");

const CLI::Validator kLogLevel(
    [](std::string& s) -> std::string {
      return weft::diag::parse_log_level(s) ? "" : "expected debug, info, warn, error or off";
    },
    "");

const CLI::Validator kResources(
    [](std::string& s) -> std::string {
      try {
        weft::worker::parse_resources(s);
        return "";
      } catch (const std::exception& e) {
        return e.what();
      }
    },
    "");

}  // namespace

int main(int argc, char** argv) {
  // The worker runs weft::init inside, which would serve WEFT_ROLE (an environment variable
  // meant for programs started by a local cluster) instead of the command asked for here.
  ::unsetenv("WEFT_ROLE");

  CLI::App app{"weft: run a scheduler and workers by hand, and look at or stop the cluster."};
  app.name("weft");
  app.require_subcommand(1);
  app.footer(
      "Example:\n"
      "  weft keygen --out cluster.key     # then copy it to every machine, mode 600\n"
      "  export WEFT_KEY=$PWD/cluster.key  # or --key cluster.key on each command\n"
      "  weft scheduler --port 8786\n"
      "  weft worker --scheduler tcp://SCHEDULER:8786 --host MY_IP --load ./libtasks.so\n"
      "  ./my_program --weft-runtime=connect:tcp://SCHEDULER:8786\n"
      "Links are encrypted and only holders of the cluster key may join (ZeroMQ CURVE);\n"
      "--insecure (or WEFT_INSECURE=1 everywhere) turns that off on a trusted network.");

  // Every command that talks to a cluster takes the key the same way.
  weft::cli::SecurityArgs security;
  auto add_security = [&security](CLI::App* cmd) {
    cmd->add_option("--key", security.key,
                    "The cluster's key file from `weft keygen` (default: $WEFT_KEY)")
        ->type_name("FILE");
    cmd->add_flag("--insecure", security.insecure,
                  "No encryption or authentication (trusted networks only; WEFT_INSECURE=1)");
  };

  // The roles that run until stopped log; the flags win over the environment variables.
  std::string log_level;
  std::string log_dir;
  auto add_logging = [&log_level, &log_dir](CLI::App* cmd) {
    cmd->add_option("--log-level", log_level,
                    "debug, info, warn, error or off (default: $WEFT_LOG_LEVEL, else info)")
        ->check(kLogLevel)
        ->type_name("LEVEL");
    cmd->add_option("--log-dir", log_dir,
                    "Also append the log to DIR/<process>-<pid>.log (default: $WEFT_LOG_DIR)")
        ->type_name("DIR");
  };

  weft::cli::SchedulerArgs sched;
  CLI::App* s =
      app.add_subcommand("scheduler", "Run a scheduler until SIGINT, SIGTERM or shutdown");
  s->add_option("--host", sched.host, "Interface to listen on (0.0.0.0: all)")
      ->capture_default_str();
  s->add_option("--port", sched.port, "Port to listen on (0: any free port)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  s->add_option("--heartbeat-timeout", sched.heartbeat_timeout,
                "Seconds without a heartbeat before a worker counts as lost")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  s->add_option("--dashboard", sched.dashboard_port,
                "Port of the dashboard and /metrics (0: any free port, -1: none); when the "
                "default is taken, a free one")
      ->check(CLI::Range(-1, 65535))
      ->capture_default_str();
  s->add_option("--dashboard-host", sched.dashboard_host,
                "Interface the dashboard listens on (0.0.0.0: all)")
      ->capture_default_str();
  s->footer("Prints 'scheduler listening on tcp://HOST:PORT' once ready, then 'dashboard at URL'.");
  add_security(s);
  add_logging(s);

  weft::cli::WorkerArgs work;
  CLI::App* w = app.add_subcommand("worker", "Run a worker that joins a scheduler");
  w->add_option("--scheduler", work.scheduler, "The scheduler, e.g. tcp://10.0.0.1:8786")
      ->required()
      ->check(kAddress)
      ->type_name("ADDR");
  w->add_option("--nthreads", work.nthreads, "Threads that run tasks (0: one per core)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  w->add_option("--memory-limit", work.memory_limit,
                "Memory limit, e.g. 4GB or 512MiB (default: none): objects spill to disk "
                "past 60%, new tasks wait past 80%")
      ->check(kSize)
      ->type_name("SIZE");
  w->add_option("--spill-dir", work.spill_dir,
                "Directory for objects spilled to disk (default: $TMPDIR or /tmp)")
      ->type_name("DIR");
  w->add_option("--host", work.host,
                "Address to serve data on; other workers and clients must reach it there")
      ->check(kReachableHost)
      ->type_name("IP")
      ->capture_default_str();
  w->add_option("--resources", work.resources, "Custom resources offered, e.g. gpu=1,ssd=2")
      ->check(kResources)
      ->type_name("NAME=QTY,...");
  w->add_option("--load", work.load,
                "Shared library of WEFT_REMOTE tasks to load first (repeatable)")
      ->type_name("LIB.so");
  w->add_option("--name", work.name, "Name shown in status (default: worker-PID@HOST)");
  w->add_option("--lost-after", work.lost_after,
                "Exit after this many seconds without word from the scheduler")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  add_security(w);
  add_logging(w);
  w->footer(
      "The worker runs functions registered with WEFT_REMOTE: those of the libraries given\n"
      "with --load (built without linking weft, see docs/cluster.md).");

  std::string address;
  double timeout = 5;
  CLI::App* st = app.add_subcommand("status", "Print the workers, tasks and clients of a cluster");
  st->add_option("address", address, "The scheduler, e.g. tcp://10.0.0.1:8786")
      ->required()
      ->check(kAddress)
      ->type_name("ADDR");
  st->add_option("--timeout", timeout, "Seconds to wait for the scheduler's answer")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  add_security(st);

  CLI::App* sd = app.add_subcommand("shutdown", "Stop a scheduler and all of its workers");
  sd->add_option("address", address, "The scheduler, e.g. tcp://10.0.0.1:8786")
      ->required()
      ->check(kAddress)
      ->type_name("ADDR");
  sd->add_option("--timeout", timeout, "Seconds to wait for the scheduler")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  add_security(sd);

  std::string key_out;
  bool force = false;
  CLI::App* kg = app.add_subcommand("keygen", "Write a new cluster key (a CURVE key pair)");
  kg->add_option("--out", key_out, "File to write, readable by its owner only")
      ->required()
      ->type_name("FILE");
  kg->add_flag("--force", force, "Replace the file if it exists");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help is a success; any usage error exits with 2
  }

  if (!log_level.empty()) weft::diag::set_log_level(*weft::diag::parse_log_level(log_level));
  if (!log_dir.empty()) weft::diag::set_log_dir(log_dir);
  const char* command = app.get_subcommands().front()->get_name().c_str();
  int code = 1;
  try {
    if (*kg) code = weft::cli::run_keygen(key_out, force);
    if (!*kg) weft::cli::configure_security(security, command);
    if (*s) code = weft::cli::run_scheduler(sched);
    if (*w) code = weft::cli::run_worker(work);
    if (*st) code = weft::cli::run_status(address, timeout);
    if (*sd) code = weft::cli::run_shutdown(address, timeout);
  } catch (const std::exception& e) {
    // Errors from weft's own parts already say where they come from ("weft worker: ...").
    const std::string what = e.what();
    if (what.rfind("weft", 0) == 0) {
      weft::diag::log_error("%s", what.c_str());
    } else {
      weft::diag::log_error("weft %s: %s", command, what.c_str());
    }
  }
  // Sockets are closed by now; closing the context sends what they still hold (up to their
  // linger time), e.g. the scheduler's goodbye to its workers.
  weft::net::stop_authentication();
  weft::net::context().close();
  std::fflush(stdout);
  return code;
}
