#include "core/traceback.hpp"

#include <cxxabi.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <typeinfo>

#include "pyproc/exceptions.hpp"

namespace pyproc::detail {
namespace {

std::string join(std::string type, const char* message) {
  if (message != nullptr && *message != '\0') type.append(": ").append(message);
  return type;
}

}  // namespace

std::string demangle(const std::type_info& type) {
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> name(
      abi::__cxa_demangle(type.name(), nullptr, nullptr, &status), &std::free);
  return status == 0 && name ? std::string(name.get()) : std::string(type.name());
}

std::string format_exception_only(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const BaseException& e) {
    return join(e.type_name(), e.what());
  } catch (const std::exception& e) {
    return join(demangle(typeid(e)), e.what());
  } catch (...) {
    // The dynamic type of whatever was thrown (an int, a string...).
    const std::type_info* type = abi::__cxa_current_exception_type();
    return type ? demangle(*type) : "<unknown C++ exception>";
  }
}

std::string format_exception(const std::exception_ptr& error, const char* where) {
  return "Traceback (most recent call last):\n  File \"<c++>\", in " + std::string(where) + "\n" +
         format_exception_only(error) + "\n";
}

void print_exception(const std::exception_ptr& error, const char* where) {
  const std::string text = format_exception(error, where);
  // Nowhere to report a failed write to stderr.
  (void)std::fputs(text.c_str(), stderr);
  (void)std::fflush(stderr);
}

}  // namespace pyproc::detail
