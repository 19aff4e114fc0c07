#include <asp/web/router.hpp>

#include <exception>

#include <spdlog/spdlog.h>

namespace asp::web {

void Router::add(Method method, std::string pattern, Handler handler) {
    bool prefix = pattern.size() >= 2 && pattern.compare(pattern.size() - 2, 2, "/*") == 0;
    if (prefix) pattern.pop_back();  // keep the trailing "/"
    routes_.push_back({method, std::move(pattern), prefix, std::move(handler)});
}

Response Router::dispatch(Request& request) const {
    std::string allow;
    for (const auto& route : routes_) {
        bool match;
        if (route.prefix)
            match = request.path.size() > route.pattern.size() &&
                    request.path.compare(0, route.pattern.size(), route.pattern) == 0;
        else
            match = request.path == route.pattern;
        if (!match) continue;
        Method wanted = request.method == Method::Head ? Method::Get : request.method;
        if (route.method != wanted) {
            if (!allow.empty()) allow += ", ";
            allow += method_name(route.method);
            continue;
        }
        request.path_rest = route.prefix ? request.path.substr(route.pattern.size()) : "";
        try {
            return route.handler(request);
        } catch (const std::exception& e) {
            spdlog::error("{} {}: {}", method_name(request.method), request.path, e.what());
            return Response::json_error(500, "internal error");
        }
    }
    if (!allow.empty()) {
        auto r = Response::json_error(405, "method not allowed");
        r.header("Allow", allow);
        return r;
    }
    return Response::json_error(404, "not found");
}

}  // namespace asp::web
