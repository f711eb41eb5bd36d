#pragma once
// Reading test inputs: corpus files, captures and the installed OVN schemas.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace fastovsdb::test {

inline std::filesystem::path corpus_dir() { return FASTOVSDB_CORPUS_DIR; }
inline std::filesystem::path source_dir() { return FASTOVSDB_SOURCE_DIR; }

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every regular file directly in `dir`, sorted by name (empty if absent).
inline std::vector<std::filesystem::path> files_in(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  if (!std::filesystem::is_directory(dir)) return out;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.is_regular_file()) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// The OVN schemas shipped by Debian's ovn-common.
inline std::filesystem::path ovn_nb_schema() { return "/usr/share/ovn/ovn-nb.ovsschema"; }
inline std::filesystem::path ovn_sb_schema() { return "/usr/share/ovn/ovn-sb.ovsschema"; }

}  // namespace fastovsdb::test
