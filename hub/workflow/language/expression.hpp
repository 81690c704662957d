// Expression: the condition language of workflow files (`when:`).
//
//   condition  := or
//   or         := and ("or" and)*
//   and        := not ("and" not)*
//   not        := "not" not | comparison
//   comparison := operand [("==" | "!=" | "<" | ">" | "<=" | ">=" | "in" | "not in") operand]
//   operand    := literal | reference | "exists" "(" reference ")" | "(" or ")"
//               | "[" [or ("," or)*] "]"
//   literal    := "string" | 'string' | number | true | false | null
//   reference  := trigger.a.b | steps.<id>.output.x | steps.<id>.status
//               | consultation.z | ${any of these} | ${env:NAME}
//
// Precedence, loosest first: or, and, not, comparisons; comparisons do not
// chain (a == b == c is an error: use parentheses). Nothing else exists: no
// arithmetic, no functions besides exists, no loops.
//
// Semantics (evaluation errors are kInvalidArgument, not retryable, and name
// the 1-based column of the operator):
// - == and != compare JSON values structurally; numbers compare by value
//   (1 == 1.0); values of different types are simply unequal;
// - < > <= >= need two numbers or two strings (byte order); else an error;
// - `x in y`: y an array → whether some element == x; y a string → whether x
//   (a string) is a substring; y an object → whether x (a string) is a key;
// - and, or, not need true/false operands and short-circuit;
// - exists(ref) is true when the reference resolves to a non-null value and is
//   never an error; any other reference to a missing path is an error (see
//   reference.hpp), so optional data is guarded: exists(x) and x == 1;
// - a condition must give true or false.
// An Expression is an immutable value: copyable, safe to share across threads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/workflow/language/reference.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::workflow {

class Expression {
 public:
  enum class Kind { kLiteral, kReference, kExists, kArray, kNot, kAnd, kOr, kCompare };
  enum class Op { kEq, kNe, kLt, kGt, kLe, kGe, kIn, kNotIn };

  struct Node {  // NOLINT(bugprone-exception-escape): a default json is null; it cannot throw
    Kind kind = Kind::kLiteral;
    Op op = Op::kEq;             // kCompare
    nlohmann::json literal;      // kLiteral
    Reference reference;         // kReference, kExists
    std::vector<Node> children;  // kArray items; kNot 1; kAnd/kOr/kCompare 2
    std::size_t column = 0;      // 1-based start of the node (operator for binary nodes)
  };

  struct ReferenceUse {
    Reference reference;
    std::size_t column = 0;
    bool in_exists = false;
  };

  Expression() = default;
  Expression(std::string text, Node root) : text_(std::move(text)), root_(std::move(root)) {}

  const std::string& text() const { return text_; }
  const Node& root() const { return root_; }
  // Every reference in source order.
  std::vector<ReferenceUse> references() const;

 private:
  std::string text_;
  Node root_;
};

// Parses a condition. Errors are kInvalidArgument with "column N: …".
sdk::Result<Expression> parse_expression(std::string_view text);

// Evaluates to any JSON value.
sdk::Result<nlohmann::json> evaluate(const Expression& expression,
                                     const EvaluationContext& context);

// Evaluates and requires true or false.
sdk::Result<bool> evaluate_condition(const Expression& expression,
                                     const EvaluationContext& context);

}  // namespace wasl::workflow
