#include <asp/store/user_store.hpp>

#include <asp/core/data_dir.hpp>

namespace asp {

std::unique_ptr<UserStore> open_user_store(std::string_view spec, const DataDir& data_dir) {
    if (spec.empty()) return open_sqlite_user_store(data_dir.users_db().string());
    if (spec.rfind("postgresql://", 0) == 0 || spec.rfind("postgres://", 0) == 0)
        return open_postgres_user_store(std::string(spec));
    return open_sqlite_user_store(std::string(spec));
}

}  // namespace asp
