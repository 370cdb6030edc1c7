// Recorder: a self-contained HTML report of the run. Tables are written here; the task
// stream and memory charts are drawn on canvases by inline script from inlined JSON, so the
// page needs no network and no library.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "diag/json_text.hpp"
#include "diag/recorder.hpp"

namespace weft::diag {
namespace {

using detail::append_json_number;
using detail::append_json_string;

// The stream draws at most this many executions (the newest): beyond it the page would
// weigh tens of megabytes and the bars would be narrower than a pixel anyway.
constexpr std::size_t kStreamTasks = 200'000;

void append_html(std::string& out, std::string_view s) {
  for (const char ch : s) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += ch;
    }
  }
}

std::string format(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

std::string seconds_text(double s) {
  if (s < 1e-3) return format("%.1f µs", s * 1e6);
  if (s < 1) return format("%.2f ms", s * 1e3);
  return format("%.3f s", s);
}

std::string bytes_text(double b) {
  static const char* kUnits[] = {"B", "kB", "MB", "GB", "TB"};
  std::size_t u = 0;
  while (b >= 1000 && u + 1 < std::size(kUnits)) {
    b /= 1000;
    ++u;
  }
  return format(u == 0 ? "%.0f " : "%.1f ", b) + kUnits[u];
}

std::string utc_text(double epoch) {
  const auto t = static_cast<std::time_t>(epoch);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

constexpr const char* kStyle = R"(<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}
.meta{color:#555}.meta b{color:#222}
table{border-collapse:collapse}td,th{padding:3px 10px;text-align:right;border-bottom:1px solid #eee}
td:first-child,th:first-child{text-align:left}th{background:#f4f4f4}
.bar{background:#4a7bd0;height:10px;display:inline-block}
canvas{border:1px solid #ddd;display:block;margin:4px 0}
.note{color:#777;font-size:12px}
.key{display:inline-block;width:10px;height:10px;margin:0 4px 0 8px}
</style>
)";

// Reads the JSON in <script id="data">; draws the stream and the memory charts.
constexpr const char* kScript = R"(<script>
(function(){
const d=JSON.parse(document.getElementById('data').textContent);
const colors=['#4a7bd0','#e8943a','#4caf6a','#b565c9','#d9c23a','#45b5c4','#c96565','#8a8a8a'];
function axis(ctx,x0,w,h,span){ctx.fillStyle='#666';ctx.font='11px sans-serif';
 for(let i=0;i<=5;i++){const x=x0+w*i/5;ctx.fillRect(x,h-14,1,4);
  ctx.textAlign=i<5?'left':'right';ctx.fillText((span*i/5).toFixed(span<5?2:1)+' s',i<5?x+2:x-2,h-2);}
 ctx.textAlign='left';}
const lanes=d.lanes,tasks=d.tasks,span=Math.max(d.span,1e-9);
const c=document.getElementById('stream');
const laneH=14,left=150,width=Math.max(600,Math.min(1600,window.innerWidth-80));
c.width=width;c.height=lanes.length*laneH+20;
const ctx=c.getContext('2d');ctx.font='11px sans-serif';
lanes.forEach((l,i)=>{ctx.fillStyle='#444';ctx.fillText(d.workers[l[0]]+' #'+l[1],4,i*laneH+11);});
const w=width-left-10;
for(const t of tasks){const x=left+t[1]/span*w,dx=Math.max(1,t[2]/span*w);
 ctx.fillStyle=t[4]?colors[t[3]%colors.length]:'#e02020';ctx.fillRect(x,t[0]*laneH+1,dx,laneH-2);}
axis(ctx,left,w,c.height,span);
const legend=document.getElementById('legend');
d.names.forEach((n,i)=>{const s=document.createElement('span');s.className='key';
 s.style.background=colors[i%colors.length];legend.appendChild(s);
 legend.appendChild(document.createTextNode(n+' '));});
c.addEventListener('mousemove',e=>{const r=c.getBoundingClientRect();
 const lane=Math.floor((e.clientY-r.top)/laneH),ts=(e.clientX-r.left-left)/w*span;let hit='';
 for(const t of tasks){if(t[0]===lane&&t[1]<=ts&&ts<=t[1]+Math.max(t[2],span/w)){
  hit=d.names[t[3]]+' ('+(t[2]*1e3).toFixed(3)+' ms)'+(t[4]?'':' failed');break;}}
 c.title=hit;});
const mem=document.getElementById('memory');
for(const m of d.memory){const h=document.createElement('div');
 h.textContent=d.workers[m.worker]+', peak '+(Math.max(...m.points.map(p=>p[1]))/1e6).toFixed(1)+' MB';
 mem.appendChild(h);const cv=document.createElement('canvas');cv.width=width;cv.height=120;
 mem.appendChild(cv);const g=cv.getContext('2d'),top=Math.max(1,...m.points.map(p=>p[1]));
 g.strokeStyle='#4a7bd0';g.beginPath();
 m.points.forEach((p,i)=>{const x=left+p[0]/span*w,y=100-p[1]/top*90;
  if(i)g.lineTo(x,y);else g.moveTo(x,y);});
 g.stroke();g.fillStyle='#666';g.font='11px sans-serif';
 g.fillText((top/1e6).toFixed(1)+' MB',4,14);axis(g,left,w,120,span);}
})();
</script>
)";

}  // namespace

std::string Recorder::html_report() const {
  const Copy c = copy(CopyWhat{
      .since = 0, .max_tasks = kStreamTasks, .max_transfers = 0, .memory = true, .graph = false});
  // The page's time axis: from the first to the last thing recorded.
  double t0 = std::numeric_limits<double>::infinity();
  double t1 = -std::numeric_limits<double>::infinity();
  for (const TaskRecord& t : c.tasks) {
    t0 = std::min(t0, t.start);
    t1 = std::max(t1, t.end);
  }
  for (const MemoryHistory& h : c.memory) {
    for (std::size_t i = 0; i < h.points.size(); ++i) {
      t0 = std::min(t0, h.points[i].time);
      t1 = std::max(t1, h.points[i].time);
    }
  }
  if (!(t0 <= t1)) t0 = t1 = c.origin;

  std::string out;
  out.reserve(16384 + c.tasks.size() * 40);
  out += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>weft report: ";
  append_html(out, c.runtime);
  out += "</title>\n";
  out += kStyle;
  out += "</head><body>\n<h1>weft run report</h1>\n<div class=\"meta\">runtime <b>";
  append_html(out, c.runtime);
  out += "</b> · started " + utc_text(t0) + " · duration <b>" + seconds_text(t1 - t0) +
         "</b> · tasks done <b>" + std::to_string(c.totals[2]) + "</b>, failed <b>" +
         std::to_string(c.totals[3]) + "</b>, running " + std::to_string(c.totals[1]) +
         ", waiting " + std::to_string(c.totals[0]) + "</div>\n";

  out += "<h2>Task stream</h2>\n<canvas id=\"stream\"></canvas>\n<div id=\"legend\"></div>\n";
  if (c.tasks.size() == kStreamTasks) {
    out += "<div class=\"note\">the newest " + std::to_string(kStreamTasks) +
           " executions; red: failed</div>\n";
  } else {
    out += "<div class=\"note\">one lane per worker thread; red: failed</div>\n";
  }

  // Time per task name, longest total first.
  std::vector<std::size_t> order;
  double longest = 0;
  for (std::size_t i = 0; i < c.stats.size(); ++i) {
    if (c.stats[i].finished == 0) continue;
    order.push_back(i);
    longest = std::max(longest, c.stats[i].seconds);
  }
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return c.stats[a].seconds > c.stats[b].seconds; });
  out +=
      "<h2>Time per task name</h2>\n<table><tr><th>name</th><th>count</th><th>failed</th>"
      "<th>total</th><th>mean</th><th>max</th><th></th></tr>\n";
  for (const std::size_t i : order) {
    const NameStats& s = c.stats[i];
    out += "<tr><td>";
    append_html(out, c.name(static_cast<NameId>(i)));
    out += "</td><td>" + std::to_string(s.finished) + "</td><td>" + std::to_string(s.count[3]) +
           "</td><td>" + seconds_text(s.seconds) + "</td><td>" +
           seconds_text(s.seconds / static_cast<double>(s.finished)) + "</td><td>" +
           seconds_text(s.max_seconds) + "</td><td style=\"text-align:left\"><span class=\"bar\" " +
           "style=\"width:" + format("%.0f", longest > 0 ? 200 * s.seconds / longest : 0) +
           "px\"></span></td></tr>\n";
  }
  out += "</table>\n";

  out += "<h2>Transfers</h2>\n<div class=\"meta\">" + std::to_string(c.transfers_total) +
         " transfers, " + bytes_text(static_cast<double>(c.transferred_bytes_total)) + "</div>\n";
  if (!c.pairs.empty()) {
    auto pairs = c.pairs;
    std::sort(pairs.begin(), pairs.end(),
              [](const auto& a, const auto& b) { return a.second.bytes > b.second.bytes; });
    out += "<table><tr><th>from</th><th>to</th><th>count</th><th>bytes</th></tr>\n";
    for (const auto& [key, p] : pairs) {
      out += "<tr><td>";
      append_html(out, c.name(static_cast<NameId>(key >> 32)));
      out += "</td><td style=\"text-align:left\">";
      append_html(out, c.name(static_cast<NameId>(key & 0xffffffffu)));
      out += "</td><td>" + std::to_string(p.count) + "</td><td>" +
             bytes_text(static_cast<double>(p.bytes)) + "</td></tr>\n";
    }
    out += "</table>\n";
  }
  out += "<h2>Worker memory</h2>\n<div id=\"memory\"></div>\n";

  // The data the script draws: lanes are (worker, thread) pairs, tasks refer to them.
  std::map<NameId, std::size_t> worker_index;
  std::map<std::pair<NameId, std::uint32_t>, std::size_t> lane_index;
  for (const TaskRecord& t : c.tasks) lane_index.emplace(std::pair{t.worker, t.thread}, 0);
  for (const MemoryHistory& h : c.memory) worker_index.emplace(h.worker, 0);
  for (auto& [lane, index] : lane_index) worker_index.emplace(lane.first, 0);
  std::size_t n = 0;
  for (auto& [w, index] : worker_index) index = n++;
  n = 0;
  for (auto& [lane, index] : lane_index) index = n++;
  std::map<NameId, std::size_t> name_index;
  for (const TaskRecord& t : c.tasks) name_index.emplace(t.name, 0);
  n = 0;
  for (auto& [name, index] : name_index) index = n++;

  out += "<script type=\"application/json\" id=\"data\">{\"span\":";
  append_json_number(out, t1 - t0);
  out += ",\"workers\":[";
  for (const auto& [w, index] : worker_index) {
    if (index > 0) out += ',';
    append_json_string(out, c.name(w));
  }
  out += "],\"names\":[";
  for (const auto& [name, index] : name_index) {
    if (index > 0) out += ',';
    append_json_string(out, c.name(name));
  }
  out += "],\"lanes\":[";
  for (const auto& [lane, index] : lane_index) {
    out += index > 0 ? ",[" : "[";
    append_json_number(out, std::uint64_t{worker_index[lane.first]});
    out += ',';
    append_json_number(out, std::uint64_t{lane.second});
    out += ']';
  }
  out += "],\"tasks\":[";
  bool first = true;
  for (const TaskRecord& t : c.tasks) {
    out += first ? "\n[" : ",\n[";
    first = false;
    append_json_number(out, std::uint64_t{lane_index[{t.worker, t.thread}]});
    out += ',';
    append_json_number(out, std::round((t.start - t0) * 1e7) / 1e7);
    out += ',';
    append_json_number(out, std::round(std::max(0.0, t.end - t.start) * 1e7) / 1e7);
    out += ',';
    append_json_number(out, std::uint64_t{name_index[t.name]});
    out += t.ok ? ",1]" : ",0]";
  }
  out += "],\"memory\":[";
  first = true;
  for (const MemoryHistory& h : c.memory) {
    out += first ? "{\"worker\":" : ",{\"worker\":";
    first = false;
    append_json_number(out, std::uint64_t{worker_index[h.worker]});
    out += ",\"points\":[";
    for (std::size_t i = 0; i < h.points.size(); ++i) {
      out += i > 0 ? ",[" : "[";
      append_json_number(out, std::round((h.points[i].time - t0) * 1e3) / 1e3);
      out += ',';
      append_json_number(out, h.points[i].bytes);
      out += ']';
    }
    out += "]}";
  }
  out += "]}</script>\n";
  out += kScript;
  out += "</body></html>\n";
  return out;
}

}  // namespace weft::diag
