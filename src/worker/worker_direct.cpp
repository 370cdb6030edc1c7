// The worker's end of direct same-node links (net/direct.hpp): clients on this node send
// actor calls and kills over a Unix socket that this I/O thread polls itself, and the
// answers go back the same way. A call is then handled exactly as one from the data port
// (on_data), so ordering, inline runs and kills do not depend on the way it came.
#include "diag/log.hpp"
#include "worker/worker_process.hpp"

namespace weft::worker {
namespace {

// Routing ids of direct links, in the `from` of a call. ZeroMQ's own routing ids are five
// bytes, so these (longer, with the same leading zero byte) never collide with one.
const std::string kDirectPrefix("\0direct-", 8);

}  // namespace

void Worker::open_direct() {
  try {
    direct_ = std::make_unique<net::DirectListener>(data_address_);
  } catch (const Error& e) {
    diag::log_warn("actor calls from this node will come over ZeroMQ: %s", e.what());
  }
}

void Worker::poll_direct(std::vector<zmq::pollitem_t>& items) {
  if (!direct_) return;
  // What this turn queued goes out now, a batch per link.
  std::vector<std::uint64_t> broken;
  for (auto& [id, link] : direct_links_) {
    if (link.channel->wants_write() && !link.channel->flush()) broken.push_back(id);
  }
  for (std::uint64_t id : broken) drop_direct(id, {});
  items.push_back({nullptr, direct_->fd(), ZMQ_POLLIN, 0});
  direct_polled_.clear();
  for (auto& [id, link] : direct_links_) {
    const short events = ZMQ_POLLIN | (link.channel->wants_write() ? ZMQ_POLLOUT : 0);
    items.push_back({nullptr, link.channel->fd(), events, 0});
    direct_polled_.push_back(id);
  }
}

void Worker::on_direct_events(std::span<const zmq::pollitem_t> items) {
  if (!direct_ || items.empty()) return;
  // By id, in the order poll_direct listed them: a link may have been dropped meanwhile.
  const std::vector<std::uint64_t>& order = direct_polled_;
  for (std::size_t i = 0; i < order.size() && i + 1 < items.size(); ++i) {
    const short revents = items[i + 1].revents;
    if (revents == 0) continue;
    auto it = direct_links_.find(order[i]);
    if (it == direct_links_.end()) continue;
    DirectLink& link = it->second;
    if ((revents & ZMQ_POLLOUT) != 0 && !link.channel->flush()) {
      drop_direct(order[i], {});
      continue;
    }
    if ((revents & (ZMQ_POLLIN | ZMQ_POLLERR)) != 0) read_direct(order[i]);
  }
  if ((items[0].revents & ZMQ_POLLIN) != 0) {
    for (int fd = direct_->accept(); fd >= 0; fd = direct_->accept()) {
      DirectLink link;
      link.channel = std::make_unique<net::DirectChannel>(fd);
      link.handshake = std::make_unique<net::DirectServerHandshake>();
      if (link.handshake->start(*link.channel)) {
        direct_links_.emplace(++direct_count_, std::move(link));
      }
    }
  }
}

void Worker::read_direct(std::uint64_t id) {
  DirectLink& link = direct_links_.at(id);
  const bool open = link.channel->read_available();
  std::vector<Buffer> parts;
  try {
    while (link.channel->next(parts)) {
      if (link.handshake) {
        link.handshake->finish(*link.channel, parts);
        link.handshake.reset();
        continue;
      }
      const net::Kind kind = net::kind_of(parts);
      if (kind != net::Kind::kActorCall && kind != net::Kind::kActorKill) {
        throw net::ProtocolError(std::string("unexpected ") + net::to_string(kind));
      }
      on_data(kDirectPrefix + std::to_string(id), parts);
    }
  } catch (const Error& e) {
    return drop_direct(id, e.what());
  }
  if (!open) drop_direct(id, link.channel->partial() ? "closed mid-message" : "");
}

void Worker::drop_direct(std::uint64_t id, const std::string& why) {
  auto it = direct_links_.find(id);
  if (it == direct_links_.end()) return;
  // A client that goes away is routine; anything else is worth a line.
  if (why.empty()) {
    diag::log_debug("direct link %llu closed", static_cast<unsigned long long>(id));
  } else {
    diag::log_warn("dropped direct link %llu: %s", static_cast<unsigned long long>(id),
                   why.c_str());
  }
  direct_links_.erase(it);
}

bool Worker::send_direct(const std::string& to, net::Kind kind, const net::ActorReply& reply) {
  if (to.compare(0, kDirectPrefix.size(), kDirectPrefix) != 0) return false;
  const std::uint64_t id = std::stoull(to.substr(kDirectPrefix.size()));
  auto it = direct_links_.find(id);
  // The client left: its answer has no one to go to (as on ZeroMQ).
  if (it != direct_links_.end()) it->second.channel->send(kind, reply);
  return true;
}

}  // namespace weft::worker
