// Router: maps (method, path) to a handler. A route is an exact path ("/api/recent") or a
// prefix ending in "/*" ("/api/similar/*": the rest of the path, slashes included, goes to
// Request::path_rest; an empty rest does not match). HEAD is answered by the GET route.
// An unknown path answers 404, a known path with another method 405 (with Allow).
// A handler that throws gets a 500 with a JSON error and a log line, never a crash.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <asp/web/http.hpp>

namespace asp::web {

using Handler = std::function<Response(Request&)>;

class Router {
public:
    void add(Method method, std::string pattern, Handler handler);
    Response dispatch(Request& request) const;

private:
    struct Route {
        Method method;
        std::string pattern;  // exact path, or prefix (without "*") when `prefix`
        bool prefix;
        Handler handler;
    };
    std::vector<Route> routes_;
};

}  // namespace asp::web
