#include <asp/serve/catalog.hpp>

namespace asp::serve {
namespace fs = std::filesystem;

std::shared_ptr<const ThumbSet> ThumbSet::scan(const fs::path& thumbs_dir) {
    auto set = std::make_shared<ThumbSet>();
    std::error_code ec;
    for (fs::directory_iterator it(thumbs_dir, ec), end; !ec && it != end; it.increment(ec)) {
        const auto& name = it->path().filename().string();
        if (name.size() > 4 && name.ends_with(".jpg"))
            set->stems_.insert(name.substr(0, name.size() - 4));
    }
    return set;
}

}  // namespace asp::serve
