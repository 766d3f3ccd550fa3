#include <cstdio>

int main() {
  std::puts("baton");
  return 0;
}
