// weft: parallel and distributed computing for C++. Include this one header.
#pragma once

#include "weft/actor.hpp"
#include "weft/delayed.hpp"
#include "weft/error.hpp"
#include "weft/observe.hpp"
#include "weft/parallel.hpp"
#include "weft/ref.hpp"
#include "weft/remote.hpp"
#include "weft/runtime.hpp"
