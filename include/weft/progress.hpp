// Progress bars in the terminal, for get() of many refs, compute() and parallel_map:
//
//   auto values = weft::get(refs, {.progress = weft::Progress::kOn});
//   double t = total.compute({.progress = weft::Progress::kOn});
//   auto roots = weft::parallel_map(f, inputs, {.progress = weft::Progress::kOn});
//
// On a terminal the bar is redrawn in place on stderr,
//   weft get [#########...........] 4500/10000 45% 5.23k/s elapsed 0:01 eta 0:01
// and ends with one final line. When stderr is not a terminal (a pipe, a CI log) it prints
// a few plain lines instead: one at the start, one per ~10% at most once a second (or
// after 10 s without one), and the final one,
//   weft get: 10000/10000 (100%) in 1.9 s, 5.23k/s
//
// Off unless asked for: library code that calls get() must not draw bars in its users'
// terminals, so a call draws one only when its options say Progress::kOn, or they say
// Progress::kDefault and the environment variable WEFT_PROGRESS asks for it:
//   WEFT_PROGRESS=1     bars for every get of many refs, compute and parallel_map
//   WEFT_PROGRESS=auto  the same, but only when stderr is a terminal
//   WEFT_PROGRESS=0     no bars at all, even where the code asks for kOn: whoever runs the
//                       program has the last word (unset or any other value: kDefault is off)
//
// Cost: the bar is drawn by the thread that waits anyway (the caller of get, compute or
// parallel_map), at most 10 times a second; tasks only bump a counter. Nothing runs and
// nothing is drawn while nobody waits.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace weft {

enum class Progress : unsigned char {
  kDefault,  // as WEFT_PROGRESS says (see above); off when it is unset
  kOff,
  kOn,  // unless WEFT_PROGRESS=0
};

// Whether a call whose options say `mode` draws a bar. WEFT_PROGRESS is read once.
bool progress_enabled(Progress mode);

// Options for get() of many refs.
struct GetOptions {
  Progress progress = Progress::kDefault;
};

// A progress bar on stderr that a program drives itself:
//
//   weft::ProgressBar bar(files.size(), "download");
//   for (auto& f : files) { fetch(f); bar.add(); }   // from any threads
//   // the destructor draws the final line
//
// Drawing is rate-limited (at most ~10 redraws a second); add() costs an atomic add and a
// clock read, so a very tight loop should add() in chunks. Several bars may be live at
// once; their lines then interleave.
class ProgressBar {
 public:
  // A bar of `total` units labelled `label`, drawn if progress_enabled(mode); a bar that is
  // not drawn does nothing at all.
  explicit ProgressBar(std::size_t total, std::string label = "progress",
                       Progress mode = Progress::kOn);
  // Draws the final line unless finish() did.
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // Counts `n` more units done. Thread-safe; redraws when a redraw is due.
  void add(std::size_t n = 1) noexcept;
  // Sets the number of units done (for a caller that counts elsewhere). Thread-safe.
  void update(std::size_t done) noexcept;
  // Draws the final line, with the count as it stands. Later calls and add()s draw nothing.
  // REQUIRES: no add() or update() runs concurrently.
  void finish() noexcept;

  bool enabled() const noexcept { return state_ != nullptr; }

 private:
  struct State;
  void draw(bool final) noexcept;
  std::unique_ptr<State> state_;  // null when not drawn
};

namespace detail {
class TaskState;
struct ProgressCounter;

// A bar that a waiting thread draws while it waits for a set of states.
class ProgressWait {
 public:
  // Watches `states` and starts a bar of states.size() tasks labelled `label`.
  // REQUIRES: each state stays alive until it completes or this constructor returns.
  ProgressWait(const std::vector<TaskState*>& states, const char* label);
  // Blocks until every state is complete or one has failed, redrawing the bar, then draws
  // its final line. On a pool thread it runs other tasks meanwhile. Call once.
  void wait();

 private:
  std::shared_ptr<ProgressCounter> counter_;
  ProgressBar bar_;
};
}  // namespace detail

}  // namespace weft
