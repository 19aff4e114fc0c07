#include <asp/core/clock.hpp>

#include <thread>

namespace asp {
namespace {

class SystemClock final : public Clock {
public:
    time_point now() override { return std::chrono::steady_clock::now(); }
    wall_time_point wall_now() override { return std::chrono::system_clock::now(); }
    void sleep_for(duration d) override {
        if (d > duration::zero()) std::this_thread::sleep_for(d);
    }
};

}  // namespace

Clock& system_clock() {
    static SystemClock clock;
    return clock;
}

}  // namespace asp
