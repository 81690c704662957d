#include "hub/workflow/language/expression.hpp"

#include <cctype>
#include <cstdlib>

namespace wasl::workflow {
namespace {

using Node = Expression::Node;
using Kind = Expression::Kind;
using Op = Expression::Op;

sdk::Error error_at(std::size_t column, const std::string& message) {
  return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                    "column " + std::to_string(column) + ": " + message, false);
}

enum class Tok {
  kEnd,
  kString,
  kNumber,
  kName,
  kReference,
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kComma,
  kEq,
  kNe,
  kLt,
  kGt,
  kLe,
  kGe
};

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;  // names, string contents, number text, reference body
  std::size_t column = 0;
};

bool name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
}

sdk::Result<std::vector<Token>> tokenize(std::string_view s) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    const std::size_t col = i + 1;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
      continue;
    }
    if (c == '"' || c == '\'') {
      std::string text;
      std::size_t j = i + 1;
      bool closed = false;
      while (j < s.size()) {
        if (s[j] == '\\' && j + 1 < s.size()) {
          const char e = s[j + 1];
          if (e == 'n')
            text += '\n';
          else if (e == 't')
            text += '\t';
          else if (e == '\\' || e == '"' || e == '\'')
            text += e;
          else
            return error_at(j + 1, std::string("unknown escape '\\") + e + "' in string");
          j += 2;
          continue;
        }
        if (s[j] == c) {
          closed = true;
          break;
        }
        text += s[j++];
      }
      if (!closed) return error_at(col, "string is not closed");
      out.push_back({Tok::kString, std::move(text), col});
      i = j + 1;
      continue;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) ||
        (c == '-' && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
      std::size_t j = i + 1;
      while (j < s.size() &&
             (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '.' ||
              ((s[j] == '-' || s[j] == '+') && (s[j - 1] == 'e' || s[j - 1] == 'E')))) {
        ++j;
      }
      out.push_back({Tok::kNumber, std::string(s.substr(i, j - i)), col});
      i = j;
      continue;
    }
    if (c == '$' && i + 1 < s.size() && s[i + 1] == '{') {
      const std::size_t close = s.find('}', i + 2);
      if (close == std::string_view::npos) return error_at(col, "'${' is not closed by '}'");
      std::string body(s.substr(i + 2, close - i - 2));
      out.push_back({Tok::kReference, std::move(body), col});
      i = close + 1;
      continue;
    }
    if (name_start(c)) {
      std::size_t j = i + 1;
      while (j < s.size() && name_char(s[j])) ++j;
      out.push_back({Tok::kName, std::string(s.substr(i, j - i)), col});
      i = j;
      continue;
    }
    auto two = s.substr(i, 2);
    if (two == "==") {
      out.push_back({Tok::kEq, "==", col});
      i += 2;
      continue;
    }
    if (two == "!=") {
      out.push_back({Tok::kNe, "!=", col});
      i += 2;
      continue;
    }
    if (two == "<=") {
      out.push_back({Tok::kLe, "<=", col});
      i += 2;
      continue;
    }
    if (two == ">=") {
      out.push_back({Tok::kGe, ">=", col});
      i += 2;
      continue;
    }
    if (two == "&&") return error_at(col, "unexpected '&&'; write and");
    if (two == "||") return error_at(col, "unexpected '||'; write or");
    switch (c) {
      case '<':
        out.push_back({Tok::kLt, "<", col});
        ++i;
        continue;
      case '>':
        out.push_back({Tok::kGt, ">", col});
        ++i;
        continue;
      case '(':
        out.push_back({Tok::kLParen, "(", col});
        ++i;
        continue;
      case ')':
        out.push_back({Tok::kRParen, ")", col});
        ++i;
        continue;
      case '[':
        out.push_back({Tok::kLBracket, "[", col});
        ++i;
        continue;
      case ']':
        out.push_back({Tok::kRBracket, "]", col});
        ++i;
        continue;
      case ',':
        out.push_back({Tok::kComma, ",", col});
        ++i;
        continue;
      case '=': return error_at(col, "unexpected '='; write == to compare");
      case '!': return error_at(col, "unexpected '!'; write not, or != to compare");
      default: break;
    }
    return error_at(col, std::string("unexpected character '") + c + "'");
  }
  out.push_back({Tok::kEnd, "", s.size() + 1});
  return out;
}

std::string describe(const Token& t) {
  switch (t.kind) {
    case Tok::kEnd: return "the end of the condition";
    case Tok::kString: return "a string";
    case Tok::kNumber: return "number " + t.text;
    case Tok::kReference: return "${" + t.text + "}";
    default: return "'" + t.text + "'";
  }
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

  sdk::Result<Node> parse_all() {
    WASL_ASSIGN_OR_RETURN(Node root, parse_or());
    if (peek().kind != Tok::kEnd) {
      return error_at(peek().column,
                      "expected and, or or the end of the condition, found " + describe(peek()));
    }
    return root;
  }

 private:
  const Token& peek() const { return t_[pos_]; }
  bool is_word(const char* word) const { return peek().kind == Tok::kName && peek().text == word; }
  Token take() { return t_[pos_ == t_.size() - 1 ? pos_ : pos_++]; }

  sdk::Result<Node> parse_or() {
    WASL_ASSIGN_OR_RETURN(Node left, parse_and());
    while (is_word("or")) {
      const std::size_t col = take().column;
      WASL_ASSIGN_OR_RETURN(Node right, parse_and());
      left = binary(Kind::kOr, col, std::move(left), std::move(right));
    }
    return left;
  }

  sdk::Result<Node> parse_and() {
    WASL_ASSIGN_OR_RETURN(Node left, parse_not());
    while (is_word("and")) {
      const std::size_t col = take().column;
      WASL_ASSIGN_OR_RETURN(Node right, parse_not());
      left = binary(Kind::kAnd, col, std::move(left), std::move(right));
    }
    return left;
  }

  sdk::Result<Node> parse_not() {
    if (++depth_ > kMaxDepth) {
      return error_at(peek().column,
                      "the condition nests deeper than " + std::to_string(kMaxDepth) + " levels");
    }
    struct Leave {
      int& depth;
      ~Leave() { --depth; }
    } leave{depth_};
    if (is_word("not")) {
      const std::size_t col = take().column;
      WASL_ASSIGN_OR_RETURN(Node operand, parse_not());
      Node n;
      n.kind = Kind::kNot;
      n.column = col;
      n.children.push_back(std::move(operand));
      return n;
    }
    return parse_comparison();
  }

  std::optional<Op> comparison_op() {
    switch (peek().kind) {
      case Tok::kEq: return Op::kEq;
      case Tok::kNe: return Op::kNe;
      case Tok::kLt: return Op::kLt;
      case Tok::kGt: return Op::kGt;
      case Tok::kLe: return Op::kLe;
      case Tok::kGe: return Op::kGe;
      default: break;
    }
    if (is_word("in")) return Op::kIn;
    if (is_word("not") && t_[pos_ + 1].kind == Tok::kName && t_[pos_ + 1].text == "in") {
      return Op::kNotIn;
    }
    return std::nullopt;
  }

  sdk::Result<Node> parse_comparison() {
    WASL_ASSIGN_OR_RETURN(Node left, parse_operand());
    auto op = comparison_op();
    if (!op) return left;
    const std::size_t col = take().column;
    if (*op == Op::kNotIn) take();
    WASL_ASSIGN_OR_RETURN(Node right, parse_operand());
    Node n = binary(Kind::kCompare, col, std::move(left), std::move(right));
    n.op = *op;
    if (comparison_op()) {
      return error_at(peek().column, "comparisons do not chain; use parentheses and and/or");
    }
    return n;
  }

  // A ${…} token's body starts two columns after the token; a bare path at it.
  static sdk::Result<Reference> reference_from(const Token& tok) {
    return parse_reference(tok.text, tok.kind == Tok::kReference ? tok.column + 1 : tok.column - 1);
  }

  sdk::Result<Node> parse_operand() {
    const Token tok = take();
    Node n;
    n.column = tok.column;
    switch (tok.kind) {
      case Tok::kString: n.literal = tok.text; return n;
      case Tok::kNumber: {
        nlohmann::json number = nlohmann::json::parse(tok.text, nullptr, false);
        if (number.is_discarded() || !number.is_number()) {
          return error_at(tok.column, "'" + tok.text + "' is not a number");
        }
        n.literal = std::move(number);
        return n;
      }
      case Tok::kReference: {
        n.kind = Kind::kReference;
        WASL_ASSIGN_OR_RETURN(n.reference, reference_from(tok));
        return n;
      }
      case Tok::kLParen: {
        WASL_ASSIGN_OR_RETURN(Node inner, parse_or());
        if (peek().kind != Tok::kRParen) {
          return error_at(peek().column, "expected ')' to close the '(' at column " +
                                             std::to_string(tok.column) + ", found " +
                                             describe(peek()));
        }
        take();
        return inner;
      }
      case Tok::kLBracket: {
        n.kind = Kind::kArray;
        if (peek().kind == Tok::kRBracket) {
          take();
          return n;
        }
        while (true) {
          WASL_ASSIGN_OR_RETURN(Node item, parse_or());
          n.children.push_back(std::move(item));
          if (peek().kind == Tok::kComma) {
            take();
            continue;
          }
          if (peek().kind == Tok::kRBracket) {
            take();
            return n;
          }
          return error_at(peek().column, "expected ',' or ']' in the list opened at column " +
                                             std::to_string(tok.column) + ", found " +
                                             describe(peek()));
        }
      }
      case Tok::kName: return name_operand(tok);
      default:
        return error_at(tok.column, "expected a value, a reference or '(', found " + describe(tok));
    }
  }

  sdk::Result<Node> name_operand(const Token& tok) {
    Node n;
    n.column = tok.column;
    const std::string& w = tok.text;
    if (w == "true" || w == "false") {
      n.literal = (w == "true");
      return n;
    }
    if (w == "null") {
      n.literal = nullptr;
      return n;
    }
    if (w == "exists") {
      if (peek().kind != Tok::kLParen) return error_at(peek().column, "expected '(' after exists");
      take();
      const Token arg = take();
      if (arg.kind != Tok::kName && arg.kind != Tok::kReference) {
        return error_at(arg.column, "exists takes a reference, found " + describe(arg));
      }
      n.kind = Kind::kExists;
      WASL_ASSIGN_OR_RETURN(n.reference, reference_from(arg));
      if (peek().kind != Tok::kRParen) {
        return error_at(peek().column, "expected ')' after the reference in exists(…)");
      }
      take();
      return n;
    }
    if (w == "and" || w == "or" || w == "not" || w == "in") {
      return error_at(tok.column, "expected a value before '" + w + "'");
    }
    const std::string root = w.substr(0, w.find('.'));
    if (root == "trigger" || root == "steps" || root == "consultation") {
      n.kind = Kind::kReference;
      WASL_ASSIGN_OR_RETURN(n.reference, reference_from(tok));
      return n;
    }
    return error_at(tok.column, "unknown name '" + w +
                                    "'; a reference starts with trigger., steps. or "
                                    "consultation., and a string is written in quotes");
  }

  static Node binary(Kind kind, std::size_t column, Node left, Node right) {
    Node n;
    n.kind = kind;
    n.column = column;
    n.children.push_back(std::move(left));
    n.children.push_back(std::move(right));
    return n;
  }

  static constexpr int kMaxDepth = 64;
  std::vector<Token> t_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

std::string type_name(const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::boolean: return "a boolean";
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::array: return "a list";
    case nlohmann::json::value_t::object: return "an object";
    default: return "a number";
  }
}

const char* op_text(Op op) {
  switch (op) {
    case Op::kEq: return "==";
    case Op::kNe: return "!=";
    case Op::kLt: return "<";
    case Op::kGt: return ">";
    case Op::kLe: return "<=";
    case Op::kGe: return ">=";
    case Op::kIn: return "in";
    case Op::kNotIn: return "not in";
  }
  return "==";
}

sdk::Result<nlohmann::json> eval(const Node& n, const EvaluationContext& ctx);

sdk::Result<bool> eval_bool(const Node& n, const EvaluationContext& ctx, std::size_t op_column,
                            const char* op) {
  WASL_ASSIGN_OR_RETURN(nlohmann::json v, eval(n, ctx));
  if (!v.is_boolean()) {
    return error_at(op_column, std::string(op) + " needs true or false, got " + type_name(v));
  }
  return v.get<bool>();
}

sdk::Result<nlohmann::json> compare(const Node& n, const nlohmann::json& a,
                                    const nlohmann::json& b) {
  switch (n.op) {
    case Op::kEq: return nlohmann::json(a == b);
    case Op::kNe: return nlohmann::json(a != b);
    case Op::kIn:
    case Op::kNotIn: {
      bool found = false;
      if (b.is_array()) {
        for (const auto& item : b) {
          if (item == a) {
            found = true;
            break;
          }
        }
      } else if (b.is_string() && a.is_string()) {
        found = b.get_ref<const std::string&>().find(a.get_ref<const std::string&>()) !=
                std::string::npos;
      } else if (b.is_object() && a.is_string()) {
        found = b.contains(a.get_ref<const std::string&>());
      } else {
        return error_at(n.column, std::string(op_text(n.op)) +
                                      " needs a list, a string in a string or a key in an "
                                      "object on its right; got " +
                                      type_name(a) + " in " + type_name(b));
      }
      return nlohmann::json(n.op == Op::kIn ? found : !found);
    }
    default: break;
  }
  int order = 0;
  if (a.is_number() && b.is_number()) {
    const double x = a.get<double>(), y = b.get<double>();
    order = x < y ? -1 : (x > y ? 1 : 0);
  } else if (a.is_string() && b.is_string()) {
    const int c = a.get_ref<const std::string&>().compare(b.get_ref<const std::string&>());
    order = c < 0 ? -1 : (c > 0 ? 1 : 0);
  } else {
    return error_at(n.column, std::string(op_text(n.op)) +
                                  " compares two numbers or two strings; got " + type_name(a) +
                                  " and " + type_name(b));
  }
  switch (n.op) {
    case Op::kLt: return nlohmann::json(order < 0);
    case Op::kGt: return nlohmann::json(order > 0);
    case Op::kLe: return nlohmann::json(order <= 0);
    default: return nlohmann::json(order >= 0);
  }
}

sdk::Result<nlohmann::json> eval(const Node& n, const EvaluationContext& ctx) {
  switch (n.kind) {
    case Kind::kLiteral: return n.literal;
    case Kind::kReference: {
      auto v = resolve(n.reference, ctx);
      if (!v.ok()) return error_at(n.column, v.error().message);
      return std::move(v).value();
    }
    case Kind::kExists: return nlohmann::json(exists(n.reference, ctx));
    case Kind::kArray: {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& child : n.children) {
        WASL_ASSIGN_OR_RETURN(nlohmann::json item, eval(child, ctx));
        out.push_back(std::move(item));
      }
      return out;
    }
    case Kind::kNot: {
      WASL_ASSIGN_OR_RETURN(bool v, eval_bool(n.children[0], ctx, n.column, "not"));
      return nlohmann::json(!v);
    }
    case Kind::kAnd:
    case Kind::kOr: {
      const bool is_and = n.kind == Kind::kAnd;
      const char* name = is_and ? "and" : "or";
      WASL_ASSIGN_OR_RETURN(bool left, eval_bool(n.children[0], ctx, n.column, name));
      if (is_and && !left) return nlohmann::json(false);
      if (!is_and && left) return nlohmann::json(true);
      WASL_ASSIGN_OR_RETURN(bool right, eval_bool(n.children[1], ctx, n.column, name));
      return nlohmann::json(right);
    }
    case Kind::kCompare: {
      WASL_ASSIGN_OR_RETURN(nlohmann::json a, eval(n.children[0], ctx));
      WASL_ASSIGN_OR_RETURN(nlohmann::json b, eval(n.children[1], ctx));
      return compare(n, a, b);
    }
  }
  return error_at(n.column, "unknown expression node");
}

void gather(const Node& n, std::vector<Expression::ReferenceUse>& out) {
  if (n.kind == Kind::kReference || n.kind == Kind::kExists) {
    out.push_back({n.reference, n.column, n.kind == Kind::kExists});
  }
  for (const auto& child : n.children) gather(child, out);
}

}  // namespace

std::vector<Expression::ReferenceUse> Expression::references() const {
  std::vector<ReferenceUse> out;
  gather(root_, out);
  return out;
}

sdk::Result<Expression> parse_expression(std::string_view text) {
  WASL_ASSIGN_OR_RETURN(std::vector<Token> tokens, tokenize(text));
  if (tokens.size() == 1) return error_at(1, "the condition is empty");
  Parser parser(std::move(tokens));
  WASL_ASSIGN_OR_RETURN(Node root, parser.parse_all());
  return Expression(std::string(text), std::move(root));
}

sdk::Result<nlohmann::json> evaluate(const Expression& expression,
                                     const EvaluationContext& context) {
  return eval(expression.root(), context);
}

sdk::Result<bool> evaluate_condition(const Expression& expression,
                                     const EvaluationContext& context) {
  WASL_ASSIGN_OR_RETURN(nlohmann::json v, evaluate(expression, context));
  if (!v.is_boolean()) {
    return error_at(1, "the condition gives " + type_name(v) + ", not true or false");
  }
  return v.get<bool>();
}

}  // namespace wasl::workflow
