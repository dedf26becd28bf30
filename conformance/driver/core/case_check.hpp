// Everything the driver decides about a case before it runs a single step:
// the events to create (children must inherit them), whether the case is
// malformed for this driver (a step it cannot read, with its JSON path:
// exit status 2), and whether it asks for something C++ cannot express with
// pyproc (the protocol's `unsupported`, spec/protocol.md §5), with the reason.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/events.hpp"
#include "core/expressions.hpp"

namespace pyproc::driver {

struct Refusal {
  std::string malformed;
  std::string unsupported;
};

// Walks every steps list of the case, creating its events in `events`.
Refusal check_case(const nlohmann::json& case_doc, Events& events, const Paths& paths);

// §2 "requires": why this machine lacks a requirement of the case, or "".
std::string unmet_requirement(const nlohmann::json& case_doc);

// §2: the soft RLIMIT_CORE every process of the case inherits: the hard
// limit when the case requires core dumps, else 0, so that a wait status
// never depends on the machine's `ulimit -c`.
void set_core_limit(const nlohmann::json& case_doc);

}  // namespace pyproc::driver
