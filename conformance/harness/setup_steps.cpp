#include "setup_steps.hpp"

namespace pyproc::harness {
namespace {

using nlohmann::json;

// What a person recognises a step by: the function it calls, the method, or
// the op and its process object.
std::string step_name(const json& step) {
  auto text = [&step](const char* key) {
    const json value = step.value(key, json());
    return value.is_string() ? value.get<std::string>() : std::string();
  };
  if (!text("function").empty()) return text("function");
  if (!text("method").empty())
    return (text("var").empty() ? "" : text("var") + ".") + text("method");
  const std::string proc = text("proc");
  return text("op") + (proc.empty() ? "" : " " + proc);
}

}  // namespace

bool is_setup_step(const json& case_doc, const std::string& path, std::size_t index) {
  const json* step = step_at(case_doc, path, index);
  return step && step->is_object() && step->value("setup", json()) == json(true);
}

std::string unresolved_reason(const json& case_doc, const Differences& found) {
  std::string named;
  for (const auto& first : found.first_by_stream) {
    // A setup step that observed something else failed to set the case up;
    // one with no observation on a side is a process that ended or went on
    // where it should not have, which may well be what the case checks.
    if (!first.step || !first.both_observed || !is_setup_step(case_doc, first.process, *first.step))
      return {};
    named += (named.empty() ? "" : ", ") + first.process + "[" + std::to_string(*first.step) +
             "] (" + step_name(*step_at(case_doc, first.process, *first.step)) + ")";
  }
  if (named.empty()) return {};
  const bool several = found.first_by_stream.size() > 1;
  return std::string(several ? "setup steps " : "setup step ") + named +
         (several ? " differ" : " differs");
}

}  // namespace pyproc::harness
