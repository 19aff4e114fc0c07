#include <asp/serve/catalog.hpp>

namespace asp::serve {

std::shared_ptr<const std::string> PageCache::get(const std::string& key) const {
    std::lock_guard lock(mu_);
    auto it = pages_.find(key);
    return it == pages_.end() ? nullptr : it->second;
}

void PageCache::put(const std::string& key, std::shared_ptr<const std::string> page) {
    std::lock_guard lock(mu_);
    if (bytes_ + page->size() > kMaxBytes) {
        pages_.clear();
        bytes_ = 0;
    }
    bytes_ += page->size();
    pages_[key] = std::move(page);
}

}  // namespace asp::serve
