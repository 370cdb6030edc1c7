// Fuzz target for serde: bytes decoded as each of a spread of types (serde_types.hpp) and
// through the untyped reader. Input: [selector:u8] then parts (fuzz_input.hpp): the first
// part is the body, the rest are its out-of-band frames.
#include <tuple>
#include <utility>

#include "fuzz_input.hpp"
#include "serde_types.hpp"

namespace weft::fuzz {
namespace {

template <std::size_t I>
void decode_as(std::span<const Buffer> parts) {
  using T = std::tuple_element_t<I, SerdeTypes>;
  const T value = serde::decode<T>(parts[0].bytes(), parts.subspan(1));
  check_round_trip(value);
}

template <std::size_t... I>
void decode_selected(std::size_t selector, std::span<const Buffer> parts,
                     std::index_sequence<I...>) {
  static_cast<void>(((selector == I ? (decode_as<I>(parts), true) : false) || ...));
}

}  // namespace

bool serde_target(std::span<const std::uint8_t> input) {
  if (input.empty()) return false;
  constexpr std::size_t kTypes = std::tuple_size_v<SerdeTypes>;
  const std::size_t selector = input[0] % kTypes;
  Parts parts;
  for (Parts& m : split(input.subspan(1))) parts.insert(parts.end(), m.begin(), m.end());
  if (parts.empty()) return false;
  const std::span<const Buffer> all(parts);
  bool typed = true;
  try {
    decode_selected(selector, all, std::make_index_sequence<kTypes>{});
  } catch (const Error&) {
    typed = false;
  }
  // Whatever a typed decoder accepts is a well-formed message to the untyped one.
  try {
    serde::decode_untyped(all[0].bytes(), all.subspan(1));
  } catch (const Error&) {
    if (typed) fail("decode_untyped refused a body that a typed decoder accepted");
    return false;
  }
  return typed;
}

}  // namespace weft::fuzz
