#pragma once

#include <cstdio>
#include <cstdlib>

// Aborts with file:line in every build. For invariants only: never for anything that a user,
// a file or the network can trigger.
#define BATON_CHECK(cond, msg)                                                                     \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      std::fprintf(stderr, "%s:%d: BATON_CHECK failed: %s: %s\n", __FILE__, __LINE__, #cond, msg); \
      std::abort();                                                                                \
    }                                                                                              \
  } while (false)
