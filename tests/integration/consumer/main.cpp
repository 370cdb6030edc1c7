#include <cstdio>

#include <weft/weft.hpp>

int main() {
  auto rt = weft::init("threads:2");
  auto x = weft::remote([](int a) { return a * 6; }, 7);
  std::printf("consumer computed %d\n", weft::get(x));
  return weft::get(x) == 42 ? 0 : 1;
}
