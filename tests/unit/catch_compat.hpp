// Catch2 v2 (Debian 12, Ubuntu 22.04) and v3 (Ubuntu 24.04) spell their header differently.
#pragma once
#if __has_include(<catch2/catch.hpp>)
#include <catch2/catch.hpp>
#else
#include <catch2/catch_all.hpp>
namespace Catch {
using Matchers::ContainsSubstring;
inline auto Contains(const std::string& s) { return Matchers::ContainsSubstring(s); }
}  // namespace Catch
#endif
