// The stderr report of an exception that ends a child (traceback.print_exc()).
#pragma once

#include <exception>
#include <string>
#include <typeinfo>

namespace pyproc::detail {

// The last line of a Python traceback: "TypeName: message", or "TypeName"
// when the message is empty. TypeName is type_name() for pyproc exceptions
// (so "RuntimeError: boom" as in CPython); for any other C++ exception it is
// the demangled C++ type, e.g. "std::runtime_error: boom" — the closest thing
// to Python's qualified name of a non-builtin class; a thrown non-exception
// (`throw 42;`) gives just its type, "int".
std::string format_exception_only(const std::exception_ptr& error);

// A traceback-shaped report, each line ending in '\n':
//   Traceback (most recent call last):
//     File "<c++>", in <where>
//   RuntimeError: boom
// C++ keeps no frames to show; the shape is kept so that tools and people
// reading a CPython child's stderr read this one the same way.
std::string format_exception(const std::exception_ptr& error, const char* where);

// Writes format_exception(error, where) to stderr.
void print_exception(const std::exception_ptr& error, const char* where = "run");

// The demangled name of a C++ type ("std::runtime_error").
std::string demangle(const std::type_info& type);

}  // namespace pyproc::detail
