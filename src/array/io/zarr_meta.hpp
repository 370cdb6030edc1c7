// `.zarray` metadata: checking a ZarrMeta, and converting it to and from JSON text.
// Internal to zarr.cpp; split out because it is the only part that speaks JSON.
#pragma once

#include <array>
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "array/io/zarr.hpp"

namespace weft::array_io {

// Checks `meta` and normalises its fill value to the dtype's alternative (see FillValue).
// Throws ConfigError starting with `what` (the array's directory) naming the fault.
ZarrMeta checked_meta(ZarrMeta meta, std::string_view what);

// The `.zarray` text of a checked meta: zarr_format 2, order "C", filters null,
// dimension_separator ".".
std::string zarray_json(const ZarrMeta& meta);

// The meta in the `.zarray` text read from `file`, checked. Throws SerdeError naming `file`
// and the field at fault, for bad JSON, missing or mistyped fields, and everything
// unsupported (other zarr_format, dtype, compressor, filters, order, dimension_separator).
ZarrMeta parse_zarray(std::string_view text, const std::filesystem::path& file);

// One element holding the fill value (zeros for a null fill value), in its first
// item_size(meta.dtype) bytes.
std::array<std::byte, 8> fill_element(const ZarrMeta& meta);

// Checks that `text` is a JSON object and returns it formatted as `.zattrs` is written.
// Throws ConfigError starting with `what` otherwise.
std::string attrs_json(std::string_view text, std::string_view what);

}  // namespace weft::array_io
