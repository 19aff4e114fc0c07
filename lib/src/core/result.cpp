#include <asp/core/result.hpp>

namespace asp {

std::string_view to_string(ErrorCode code) {
    switch (code) {
        case ErrorCode::unknown: return "unknown";
        case ErrorCode::not_found: return "not_found";
        case ErrorCode::corruption: return "corruption";
        case ErrorCode::io_error: return "io_error";
        case ErrorCode::invalid_argument: return "invalid_argument";
        case ErrorCode::busy: return "busy";
        case ErrorCode::unavailable: return "unavailable";
    }
    return "unknown";
}

}  // namespace asp
