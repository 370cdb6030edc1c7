#include "weft/observe.hpp"

#include <chrono>
#include <fstream>

#include "core/observe_state.hpp"
#include "net/wire.hpp"
#include "weft/error.hpp"

namespace weft {
namespace {

constexpr double kSchedulerTimeout = 30;  // seconds: a report of a long run is large

// The scheduler's record of the run as `format` (net::ReportQuery).
std::string ask_scheduler(const std::string& address, const std::string& format,
                          const char* caller) {
  zmq::socket_t socket = net::make_socket(zmq::socket_type::dealer);
  socket.connect(address);
  net::send(socket, "", net::Kind::kReportQuery, net::ReportQuery{format});
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(kSchedulerTimeout);
  std::vector<Buffer> parts;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      throw Error(std::string(caller) + ": the scheduler at " + address +
                  " did not answer within " + std::to_string(kSchedulerTimeout) + " s");
    }
    zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, left);
    while (net::receive(socket, parts)) {
      if (net::kind_of(parts) != net::Kind::kReport) continue;
      net::Report r = net::payload<net::Report>(parts);
      if (!r.error.empty()) throw ConfigError(std::string(caller) + ": " + r.error);
      return std::move(r.text);
    }
  }
}

void save(const std::string& path, const std::string& format, const char* caller) {
  std::string text, scheduler;
  bool local = false;
  detail::with_observed([&](detail::Observed& o) {
    if (o.local) {
      local = true;
      o.local->publish();
      text = format == "trace" ? o.local->recorder().chrome_trace_json()
                               : o.local->recorder().html_report();
    } else {
      scheduler = o.scheduler;
    }
  });
  if (!local) {
    if (scheduler.empty()) {
      throw ConfigError(std::string(caller) +
                        ": this runtime records nothing: set Config::record or "
                        "Config::dashboard_port (WEFT_RECORD=1, WEFT_DASHBOARD=PORT)");
    }
    text = ask_scheduler(scheduler, format, caller);
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw Error(std::string(caller) + ": cannot write '" + path + "'");
}

}  // namespace

std::string dashboard_url() {
  std::string url;
  detail::with_observed([&](detail::Observed& o) { url = o.dashboard_url; });
  return url;
}

void save_trace(const std::string& path) { save(path, "trace", "weft::save_trace"); }

void save_report(const std::string& path) { save(path, "report", "weft::save_report"); }

}  // namespace weft
