#include "hub/config/yaml_budget.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <sstream>
#include <vector>

namespace wasl::config {
namespace {

struct BudgetExceeded {
  YamlBudgetProblem problem;
};

// Size of an anchored node once expanded: how many nodes, how deep below it.
struct Expansion {
  std::size_t nodes = 0;
  int depth = 0;
  bool complete = false;
};

class BudgetCounter : public YAML::EventHandler {
 public:
  explicit BudgetCounter(const YamlBudget& budget) : budget_(budget) {}

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { leaf(mark, anchor); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                const std::string&) override {
    leaf(mark, anchor);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (anchor == 0 || anchor > anchors_.size() || !anchors_[anchor - 1].complete) {
      fail(mark, "an alias refers to the node that contains it; such a document never ends");
    }
    const Expansion& e = anchors_[anchor - 1];
    add(mark, e.nodes, static_cast<int>(open_.size()) + e.depth);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(mark, anchor);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(mark, anchor);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Open {
    YAML::anchor_t anchor;
    std::size_t nodes_before;  // total_ when this collection started
    int depth = 1;             // its own nesting so far: 1 + the deepest child's
  };

  void remember(YAML::anchor_t anchor, Expansion e) {
    if (anchor == 0) return;
    if (anchors_.size() < anchor) anchors_.resize(anchor);
    anchors_[anchor - 1] = e;
  }

  void leaf(const YAML::Mark& mark, YAML::anchor_t anchor) {
    add(mark, 1, static_cast<int>(open_.size()));
    remember(anchor, Expansion{1, 0, true});
  }

  void open(const YAML::Mark& mark, YAML::anchor_t anchor) {
    add(mark, 1, static_cast<int>(open_.size()) + 1);
    if (anchor != 0) remember(anchor, Expansion{0, 0, false});
    open_.push_back(Open{anchor, total_ - 1, 1});
  }

  void close() {
    if (open_.empty()) return;
    Open done = open_.back();
    open_.pop_back();
    if (!open_.empty() && done.depth + 1 > open_.back().depth) open_.back().depth = done.depth + 1;
    remember(done.anchor, Expansion{total_ - done.nodes_before, done.depth, true});
  }

  // Counts `nodes` more nodes, placed in the innermost open collection, whose
  // deepest point sits at absolute nesting `depth`.
  void add(const YAML::Mark& mark, std::size_t nodes, int depth) {
    total_ += nodes;
    if (!open_.empty()) {
      int relative = depth - static_cast<int>(open_.size()) + 1;
      if (relative > open_.back().depth) open_.back().depth = relative;
    }
    if (total_ > budget_.max_nodes) {
      fail(mark, "the document expands to more than " + std::to_string(budget_.max_nodes) +
                     " nodes once its aliases are followed; use fewer aliases");
    }
    if (depth > budget_.max_depth) {
      fail(mark, "the document nests deeper than " + std::to_string(budget_.max_depth) +
                     " levels once its aliases are followed");
    }
  }

  [[noreturn]] void fail(const YAML::Mark& mark, std::string message) {
    throw BudgetExceeded{YamlBudgetProblem{mark.line >= 0 ? mark.line + 1 : 0, std::move(message)}};
  }

  const YamlBudget& budget_;
  std::size_t total_ = 0;
  std::vector<Open> open_;
  std::vector<Expansion> anchors_;
};

}  // namespace

std::optional<YamlBudgetProblem> check_yaml_budget(std::string_view text,
                                                   const YamlBudget& budget) {
  std::istringstream in{std::string(text)};
  try {
    YAML::Parser parser(in);
    // The first document only: it is all YAML::Load reads (and yaml-cpp can
    // report empty documents for ever after some malformed input).
    BudgetCounter counter(budget);
    parser.HandleNextDocument(counter);
  } catch (const BudgetExceeded& e) {
    return e.problem;
  } catch (const YAML::Exception&) {
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace wasl::config
