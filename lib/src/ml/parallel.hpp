// parallel_for: runs fn(i, worker) for i in [0, n) on `jobs` threads, handing out indices in
// small chunks (documents differ a lot in size). The first exception thrown by a worker is
// rethrown in the caller after all workers stopped.
#pragma once

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace asp::ml {

template <class Fn>
void parallel_for(size_t n, int jobs, Fn&& fn, size_t chunk = 16) {
    const size_t workers = std::max<size_t>(1, std::min<size_t>(static_cast<size_t>(jobs),
                                                               (n + chunk - 1) / chunk));
    std::atomic<size_t> next{0};
    std::exception_ptr error;
    std::mutex error_mu;
    auto work = [&](size_t worker) {
        try {
            for (;;) {
                const size_t begin = next.fetch_add(chunk);
                if (begin >= n) break;
                const size_t end = std::min(n, begin + chunk);
                for (size_t i = begin; i < end; ++i) fn(i, worker);
            }
        } catch (...) {
            std::lock_guard lock(error_mu);
            if (!error) error = std::current_exception();
            next = n;
        }
    };
    if (workers == 1) {
        work(0);
    } else {
        std::vector<std::thread> threads;
        for (size_t w = 0; w < workers; ++w) threads.emplace_back(work, w);
        for (auto& t : threads) t.join();
    }
    if (error) std::rethrow_exception(error);
}

inline size_t worker_count(size_t n, int jobs, size_t chunk = 16) {
    return std::max<size_t>(1, std::min<size_t>(static_cast<size_t>(jobs), (n + chunk - 1) / chunk));
}

}  // namespace asp::ml
