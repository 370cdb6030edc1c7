// The tasks of the cluster example. They live in a shared library
// (libweft_example_tasks.so) that the client program links and that `weft worker --load`
// loads, so every process of the cluster has the same registered functions.
#pragma once

#include <string>

namespace tasks {

double square(double x);
double add(double a, double b);
// Sleeps `ms` milliseconds, then names the process it ran in: "PID@HOST".
std::string where(int ms);

}  // namespace tasks
