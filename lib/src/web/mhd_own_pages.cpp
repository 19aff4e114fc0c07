// libmicrohttpd answers some malformed requests itself, before any callback of ours runs (a
// request line it cannot parse, a head over the memory limit, a bad Content-Length value, a
// missing Host, an unsupported HTTP version): a fixed page with no headers of the
// application's. libmicrohttpd 0.9.75 has no option to add headers to those pages, but it
// builds every one of them through its exported MHD_queue_response, which it calls through
// its PLT. This file defines MHD_queue_response in the program itself (so the dynamic linker
// binds libmicrohttpd's calls here): it adds the headers HttpServer was given
// (ServerOptions::finish_own_response) to any response that lacks them, then calls the
// library's own function. tests/integration/test_serve_framing.py checks libmicrohttpd's
// pages on the wire, so a libmicrohttpd built without that PLT call fails the test rather
// than silently dropping the headers.
#include <dlfcn.h>
#include <microhttpd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <mutex>

#include <asp/web/http.hpp>

namespace asp::web {

namespace {
std::mutex own_headers_mu;
std::shared_ptr<const Fields> own_headers;  // guarded by own_headers_mu
}  // namespace

// Called by HttpServer::start: the headers every response must carry.
void set_own_page_headers(Fields headers) {
    auto fresh = std::make_shared<const Fields>(std::move(headers));
    std::lock_guard lock(own_headers_mu);
    own_headers = std::move(fresh);
}

}  // namespace asp::web

extern "C" MHD_Result MHD_queue_response(struct MHD_Connection* connection,
                                         unsigned int status_code,
                                         struct MHD_Response* response) {
    using Real = MHD_Result (*)(struct MHD_Connection*, unsigned int, struct MHD_Response*);
    static const Real real = reinterpret_cast<Real>(dlsym(RTLD_NEXT, "MHD_queue_response"));
    if (real == nullptr) std::abort();  // libmicrohttpd is always linked with this file
    std::shared_ptr<const asp::web::Fields> headers;
    {
        std::lock_guard lock(asp::web::own_headers_mu);
        headers = asp::web::own_headers;
    }
    if (headers && response != nullptr) {
        for (const auto& [name, value] : *headers)
            if (MHD_get_response_header(response, name.c_str()) == nullptr)
                MHD_add_response_header(response, name.c_str(), value.c_str());
    }
    return real(connection, status_code, response);
}
