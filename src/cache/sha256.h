#pragma once

#include <string>
#include <string_view>

namespace baton::cache {

// The SHA-256 digest of `data` as 64 lower-case hex digits (OpenSSL's libcrypto).
std::string sha256_hex(std::string_view data);

}  // namespace baton::cache
