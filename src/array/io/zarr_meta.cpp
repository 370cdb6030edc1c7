#include "array/io/zarr_meta.hpp"

#include <zstd.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <type_traits>

#include "array/io/file.hpp"
#include "weft/error.hpp"

namespace weft::array_io {
namespace {

using nlohmann::json;

bool is_float(DType dtype) { return dtype == DType::kFloat64 || dtype == DType::kFloat32; }

// The fill value as the dtype's own alternative, or nullopt if it does not suit the dtype.
std::optional<FillValue> normalised_fill(DType dtype, const FillValue& fill) {
  if (std::holds_alternative<std::monostate>(fill)) return fill;
  if (is_float(dtype)) {
    if (const auto* d = std::get_if<double>(&fill)) return *d;
    if (const auto* i = std::get_if<std::int64_t>(&fill)) return static_cast<double>(*i);
    return std::nullopt;
  }
  if (dtype == DType::kBool) {
    if (const auto* b = std::get_if<bool>(&fill)) return *b;
    if (const auto* i = std::get_if<std::int64_t>(&fill); i && (*i == 0 || *i == 1)) {
      return *i == 1;
    }
    return std::nullopt;
  }
  const auto* i = std::get_if<std::int64_t>(&fill);
  if (!i) return std::nullopt;
  if (dtype == DType::kInt32 && (*i < std::numeric_limits<std::int32_t>::min() ||
                                 *i > std::numeric_limits<std::int32_t>::max())) {
    return std::nullopt;
  }
  return *i;
}

std::string fill_string(const FillValue& fill) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return "null";
        } else if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else {
          return std::to_string(v);
        }
      },
      fill);
}

json fill_to_json(const FillValue& fill) {
  if (const auto* d = std::get_if<double>(&fill)) {
    // JSON has no NaN or infinities: Zarr spells them as strings.
    if (std::isnan(*d)) return "NaN";
    if (std::isinf(*d)) return *d > 0 ? "Infinity" : "-Infinity";
    return *d;
  }
  if (const auto* i = std::get_if<std::int64_t>(&fill)) return *i;
  if (const auto* b = std::get_if<bool>(&fill)) return *b;
  return nullptr;
}

// Reads the fields of a `.zarray`, each check naming its field.
class ZarrayReader {
 public:
  ZarrayReader(const json& root, const std::filesystem::path& file) : root_(root), file_(file) {}

  [[noreturn]] void fail(std::string_view field, const std::string& what) const {
    std::string message = quote_path(file_);
    message += ": field '";
    message += field;
    message += "': ";
    message += what;
    throw SerdeError(message);
  }

  const json& field(std::string_view name) const {
    const auto it = root_.find(name);
    if (it == root_.end()) fail(name, "missing");
    return *it;
  }

  std::int64_t integer(std::string_view name, const json& value) const {
    if (value.is_number_unsigned() &&
        value.get<std::uint64_t>() <= std::uint64_t{std::numeric_limits<std::int64_t>::max()}) {
      return static_cast<std::int64_t>(value.get<std::uint64_t>());
    }
    if (value.is_number_integer() && !value.is_number_unsigned()) return value.get<std::int64_t>();
    fail(name, "expected an integer that fits int64, found " + value.dump());
  }

  Shape extents(std::string_view name) const {
    const json& value = field(name);
    if (!value.is_array()) fail(name, "expected an array of integers, found " + value.dump());
    Shape out;
    for (const json& item : value) out.push_back(integer(name, item));
    return out;
  }

  std::optional<int> compressor() const {
    const json& value = field("compressor");
    if (value.is_null()) return std::nullopt;
    if (!value.is_object()) fail("compressor", "expected null or an object, found " + value.dump());
    const auto id = value.find("id");
    if (id == value.end() || !id->is_string()) fail("compressor", "no codec 'id'");
    if (*id != "zstd") {
      fail("compressor",
           "codec '" + id->get<std::string>() + "' is not supported (expected null or zstd)");
    }
    // numcodecs' Zstd config: {"id": "zstd", "level": N}, newer versions add "checksum".
    const auto level = value.find("level");
    if (level == value.end()) fail("compressor", "zstd without a 'level'");
    return static_cast<int>(integer("compressor", *level));
  }

  FillValue fill_value() const {
    const json& value = field("fill_value");
    if (value.is_null()) return std::monostate{};
    if (value.is_boolean()) return value.get<bool>();
    if (value.is_number_float()) return value.get<double>();
    if (value.is_number()) return integer("fill_value", value);
    if (value.is_string()) {
      const auto& s = value.get_ref<const std::string&>();
      if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
      if (s == "Infinity") return std::numeric_limits<double>::infinity();
      if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
    }
    fail("fill_value", "unsupported value " + value.dump());
  }

  void expect_string(std::string_view name, std::string_view expected, bool optional,
                     const std::string& refusal) const {
    const auto it = root_.find(name);
    if (it == root_.end() && optional) return;
    const json& value = field(name);
    if (!value.is_string() || value.get_ref<const std::string&>() != expected) {
      fail(name, value.dump() + " " + refusal);
    }
  }

 private:
  const json& root_;
  const std::filesystem::path& file_;
};

}  // namespace

ZarrMeta checked_meta(ZarrMeta meta, std::string_view what) {
  const auto fail = [&](const std::string& fault) {
    std::string message(what);
    message += ": ";
    message += fault;
    throw ConfigError(message);
  };
  if (meta.chunks.size() != meta.shape.size()) {
    fail("chunks " + shape_string(meta.chunks) + " do not match the axes of shape " +
         shape_string(meta.shape));
  }
  for (const std::int64_t extent : meta.chunks) {
    if (extent < 1) fail("chunk extents must be at least 1, not " + shape_string(meta.chunks));
  }
  element_count(meta.shape, what);
  byte_count(meta.dtype, meta.chunks, what);
  if (meta.zstd_level &&
      (*meta.zstd_level < ZSTD_minCLevel() || *meta.zstd_level > ZSTD_maxCLevel())) {
    fail("zstd level " + std::to_string(*meta.zstd_level) + " is outside " +
         std::to_string(ZSTD_minCLevel()) + ".." + std::to_string(ZSTD_maxCLevel()));
  }
  const std::optional<FillValue> fill = normalised_fill(meta.dtype, meta.fill_value);
  if (!fill) {
    fail("fill value " + fill_string(meta.fill_value) + " does not suit dtype " +
         std::string(descr(meta.dtype)));
  }
  meta.fill_value = *fill;
  return meta;
}

std::string zarray_json(const ZarrMeta& meta) {
  json root = {
      {"zarr_format", 2},
      {"shape", meta.shape},
      {"chunks", meta.chunks},
      {"dtype", descr(meta.dtype)},
      {"compressor", nullptr},
      {"fill_value", fill_to_json(meta.fill_value)},
      {"order", "C"},
      {"filters", nullptr},
      {"dimension_separator", "."},
  };
  if (meta.zstd_level) root["compressor"] = {{"id", "zstd"}, {"level", *meta.zstd_level}};
  return root.dump(4) + "\n";
}

ZarrMeta parse_zarray(std::string_view text, const std::filesystem::path& file) {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::parse_error& e) {
    throw SerdeError(quote_path(file) + ": not valid JSON: " + e.what());
  }
  if (!root.is_object()) {
    throw SerdeError(quote_path(file) + ": expected a JSON object, found " + root.type_name());
  }
  const ZarrayReader reader(root, file);
  if (reader.integer("zarr_format", reader.field("zarr_format")) != 2) {
    reader.fail("zarr_format", "expected 2, found " + reader.field("zarr_format").dump());
  }
  ZarrMeta meta;
  const json& dtype = reader.field("dtype");
  const std::optional<DType> parsed =
      dtype.is_string() ? dtype_from_descr(dtype.get_ref<const std::string&>()) : std::nullopt;
  if (!parsed) {
    reader.fail("dtype",
                "unsupported dtype " + dtype.dump() + " (expected one of <f8, <f4, <i8, <i4, |b1)");
  }
  meta.dtype = *parsed;
  meta.shape = reader.extents("shape");
  meta.chunks = reader.extents("chunks");
  meta.zstd_level = reader.compressor();
  meta.fill_value = reader.fill_value();
  reader.expect_string("order", "C", false, "is not supported (only C-order chunks)");
  const json& filters = reader.field("filters");
  if (!filters.is_null() && !(filters.is_array() && filters.empty())) {
    reader.fail("filters", filters.dump() + " is not supported (expected null)");
  }
  reader.expect_string("dimension_separator", ".", true,
                       "is not supported (only \".\", flat chunk keys)");
  try {
    return checked_meta(std::move(meta), quote_path(file));
  } catch (const ConfigError& e) {
    // The values came from the file, so it is the file that is at fault.
    throw SerdeError(e.what());
  }
}

std::array<std::byte, 8> fill_element(const ZarrMeta& meta) {
  std::array<std::byte, 8> out{};
  const auto put = [&](auto value) { std::memcpy(out.data(), &value, sizeof value); };
  if (const auto* d = std::get_if<double>(&meta.fill_value)) {
    if (meta.dtype == DType::kFloat32) {
      put(static_cast<float>(*d));
    } else {
      put(*d);
    }
  } else if (const auto* i = std::get_if<std::int64_t>(&meta.fill_value)) {
    if (meta.dtype == DType::kInt32) {
      put(static_cast<std::int32_t>(*i));
    } else {
      put(*i);
    }
  } else if (const auto* b = std::get_if<bool>(&meta.fill_value)) {
    put(static_cast<unsigned char>(*b));
  }
  return out;
}

std::string attrs_json(std::string_view text, std::string_view what) {
  std::string fault;
  try {
    const json value = json::parse(text);
    if (value.is_object()) return value.dump(4) + "\n";
    fault = std::string("expected a JSON object, found ") + value.type_name();
  } catch (const json::parse_error& e) {
    fault = std::string("not valid JSON: ") + e.what();
  }
  std::string message(what);
  message += ": attributes: ";
  message += fault;
  throw ConfigError(message);
}

}  // namespace weft::array_io
