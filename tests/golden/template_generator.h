#pragma once

// A generator of random Jinja2 templates and contexts, for the differential test against
// python3-jinja2. Deterministic: the same seed always gives the same case, on every platform
// (no std:: distributions, whose output is implementation-defined).
//
//   GeneratedCase c = generate_template_case(42);
//   // c.source: "{% for x1 in li %}{{ loop.index }}:{{ x1 * 3 }}{% endfor %}"
//   // c.context_json: {"i0": 7, "f0": 0.1, "s0": "it's", "li": [3, -1], ...}
//
// Templates are typed compositions over a context whose variable names are fixed (i0.., f0..,
// s0.., li, ls, lf, dd, users...) and whose values are random, so most of them render. About
// one case in fifteen carries a deliberate fault (an undefined name, a TypeError, a division
// by zero, a syntax error) and must fail on both sides.

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace baton::golden {

struct GeneratedCase {
  std::uint64_t seed = 0;
  std::string source;        // the template
  std::string context_json;  // a JSON object: the variables
};

namespace generator_internal {

// splitmix64: tiny, fast and the same everywhere.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [lo, hi] (a negligible modulo bias is fine here).
  int range(int lo, int hi) {
    return lo + static_cast<int>(next() % static_cast<std::uint64_t>(hi - lo + 1));
  }
  // True with probability percent / 100.
  bool chance(int percent) { return range(0, 99) < percent; }
  template <typename T>
  const T& pick(const std::vector<T>& items) {
    return items[next() % items.size()];
  }

 private:
  std::uint64_t state_;
};

enum class Type { kInt, kFloat, kStr, kBool, kIntList, kStrList, kUser, kUserList, kAny };

// An int expression and a bound on its magnitude, so that generated arithmetic stays inside
// the 64-bit range (Python's ints are unbounded; that difference is not what we test here).
struct IntExpr {
  std::string text;
  double bound;
};

inline std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(c));
          out += buffer;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

// A float as a JSON number that reads back as the same double, and as a float (never "2").
inline std::string json_float(double value) {
  if (value == 0.0 && std::signbit(value)) return "-0.0";
  char buffer[40];
  // The shortest of these that reads back exactly, for readable failure messages.
  for (int digits = 15; digits <= 17; ++digits) {
    std::snprintf(buffer, sizeof buffer, "%.*g", digits, value);
    if (std::strtod(buffer, nullptr) == value) break;
  }
  std::string text = buffer;
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

// A Jinja2 string literal for `text`.
inline std::string jinja_string(std::string_view text, char quote) {
  std::string out(1, quote);
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == quote) {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += c;
    }
  }
  return out + quote;
}

inline const std::vector<long long>& int_pool() {
  static const std::vector<long long> pool = {0, 1, 2, 3, 5, 7, 10, 42, 100, -1, -3, -7, -100};
  return pool;
}
inline const std::vector<double>& float_pool() {
  static const std::vector<double> pool = {0.1,   0.2,   0.5,   1.5,     2.5,
                                           3.0,   -2.75, 2.675, 1e16,    -0.0,
                                           1e-7,  1e22,  1e300, 123.456, 0.3333333333333333,
                                           100.0, 1e15,  -0.5};
  return pool;
}
inline const std::vector<std::string>& string_pool() {
  static const std::vector<std::string> pool = {
      "",
      "hello",
      "Hello World",
      "it's",
      "say \"hi\"",
      "both ' and \"",
      "line1\nline2",
      "h\xc3\xa9llo \xe2\x9c\x93 \xe6\x97\xa5\xe6\x9c\xac",
      "  padded  ",
      "a,b,,c",
      "<b>bold</b> &amp; x",
      "MiXeD cAsE",
      "tab\there",
      "back\\slash",
      "50%",
      "{{ not a tag }}",
      "emoji \xf0\x9f\x98\x80",
      "x",
      "The quick brown fox jumps over the lazy dog"};
  return pool;
}
inline const std::vector<std::string>& word_pool() {
  static const std::vector<std::string> pool = {
      "apple", "Banana", "cherry", "date", "apple", "", "x y", "\xc3\xa9t\xc3\xa9", "Zed"};
  return pool;
}
inline const std::vector<std::string>& text_pool() {
  static const std::vector<std::string> pool = {"",
                                                " ",
                                                "\n",
                                                "  \n",
                                                "\n\n",
                                                "Hello ",
                                                "- ",
                                                "\t",
                                                ": ",
                                                "\xc3\xbcn\xc3\xaf"
                                                "c\xc3\xb6"
                                                "d\xe2\x82\xac ",
                                                "a { b } c",
                                                "# ",
                                                "100% ",
                                                "\n  ",
                                                ", ",
                                                "}",
                                                "line\n"};
  return pool;
}

class Generator {
 public:
  explicit Generator(std::uint64_t seed) : rng_(seed) {}

  GeneratedCase run(std::uint64_t seed) {
    GeneratedCase result;
    result.seed = seed;
    result.context_json = make_context();
    scopes_.push_back({});
    for (const auto& [name, type] : context_vars_) scopes_.back().push_back({name, type});
    scopes_.push_back({});
    faulty_ = rng_.chance(7);
    std::string body;
    if (rng_.chance(30)) {
      // Expressions alone: a mismatch here points at one expression's semantics.
      int prints = rng_.range(1, 3);
      for (int i = 0; i < prints; ++i) body += print();
    } else {
      int segments = rng_.range(1, 4);
      for (int i = 0; i < segments; ++i) body += statement(0, /*top_level=*/true);
    }
    if (faulty_) body = insert_fault(std::move(body));
    result.source = std::move(body);
    return result;
  }

 private:
  struct Var {
    std::string name;
    Type type;
  };
  // The innermost scope is last. A macro body sees only the context scope and its own.
  using Scope = std::vector<Var>;

  // --- the context ------------------------------------------------------------------------

  std::string random_int_json() { return std::to_string(rng_.pick(int_pool())); }

  std::string make_context() {
    std::string json = "{";
    auto add = [&](const std::string& name, Type type, const std::string& value) {
      if (json.size() > 1) json += ", ";
      json += json_string(name) + ": " + value;
      context_vars_.push_back({name, type});
    };
    for (int i = 0; i < 3; ++i) add("i" + std::to_string(i), Type::kInt, random_int_json());
    for (int i = 0; i < 2; ++i) {
      add("f" + std::to_string(i), Type::kFloat, json_float(rng_.pick(float_pool())));
    }
    for (int i = 0; i < 3; ++i) {
      add("s" + std::to_string(i), Type::kStr, json_string(rng_.pick(string_pool())));
    }
    add("b0", Type::kBool, rng_.chance(50) ? "true" : "false");
    json += ", \"nz\": null";  // printed only through `nz` in any-typed positions
    add("li", Type::kIntList, list_json(rng_.range(0, 5), [&] { return random_int_json(); }));
    add("ls", Type::kStrList,
        list_json(rng_.range(0, 4), [&] { return json_string(rng_.pick(word_pool())); }));
    json += ", \"lf\": " +
            list_json(rng_.range(1, 3), [&] { return json_float(rng_.pick(float_pool())); });
    json += ", \"dd\": {\"name\": " + json_string(rng_.pick(string_pool())) +
            ", \"count\": " + random_int_json() +
            ", \"ratio\": " + json_float(rng_.pick(float_pool())) + ", \"tags\": " +
            list_json(rng_.range(0, 3), [&] { return json_string(rng_.pick(word_pool())); }) +
            ", \"on\": " + (rng_.chance(50) ? "true" : "false") +
            ", \"none\": null, \"nested\": {\"k\": " + random_int_json() + "}}";
    add("users", Type::kUserList, list_json(rng_.range(1, 4), [&] { return user_json(); }));
    return json + "}";
  }

  template <typename F>
  std::string list_json(int size, F element) {
    std::string out = "[";
    for (int i = 0; i < size; ++i) out += (i ? ", " : "") + element();
    return out + "]";
  }

  std::string user_json() {
    static const std::vector<std::string> names = {"Ada", "Bob", "Cy", "Dee", "\xc3\x89mile"};
    return "{\"name\": " + json_string(rng_.pick(names)) +
           ", \"age\": " + std::to_string(rng_.range(18, 70)) +
           ", \"score\": " + json_float(rng_.pick(float_pool())) +
           ", \"active\": " + (rng_.chance(50) ? "true" : "false") + "}";
  }

  // --- scopes -------------------------------------------------------------------------------

  std::vector<std::string> vars_of(Type type) const {
    std::vector<std::string> names;
    // Scope 0 is the context; a macro barrier hides everything between it and the macro.
    for (std::size_t i = scopes_.size(); i-- > 0;) {
      for (const Var& var : scopes_[i]) {
        if (var.type == type) names.push_back(var.name);
      }
      if (i == macro_scope_ && macro_scope_ != 0) i = 1;  // jump to the context scope next
    }
    return names;
  }
  std::string fresh(std::string_view prefix) {
    return std::string(prefix) + std::to_string(++counter_);
  }
  void bind(std::string name, Type type) { scopes_.back().push_back({std::move(name), type}); }
  bool in_loop() const { return loop_depth_ > 0; }

  // --- expressions --------------------------------------------------------------------------

  std::string literal_string() {
    return jinja_string(rng_.pick(string_pool()), rng_.chance(70) ? '\'' : '"');
  }

  IntExpr int_atom() {
    switch (rng_.range(0, 11)) {
      case 0:
      case 1:
      case 2: {
        auto vars = vars_of(Type::kInt);
        if (!vars.empty()) return {rng_.pick(vars), 100};
        [[fallthrough]];
      }
      case 3: {
        int value = rng_.range(-20, 120);
        return {std::to_string(value), 120};
      }
      case 4:
        return {"(" + rng_.pick(vars_of(Type::kIntList)) + " | length)", 10};
      case 5:
        return {"(" + str_atom() + " | length)", 200};
      case 6:
        return {"dd.count", 100};
      case 7:
        if (in_loop()) {
          return {rng_.pick(std::vector<std::string>{"loop.index", "loop.index0", "loop.length",
                                                     "loop.revindex"}),
                  10};
        }
        return {"dd.nested.k", 100};
      case 8: {
        auto users = vars_of(Type::kUser);
        if (!users.empty()) return {rng_.pick(users) + ".age", 100};
        return {"(li | sum)", 600};
      }
      case 10:
        return {"(" + str_atom() + " | " +
                    rng_.pick(std::vector<std::string>{"wordcount", "count"}) + ")",
                200};
      case 11:
        return {rng_.pick(std::vector<std::string>{
                    "(users | max(attribute='age')).age", "(users | min(attribute='age')).age",
                    "(users | map(attribute='age') | sum)", "('0x1f' | int(0, 16))",
                    "('101' | int(base=2))"}),
                1000};
      default:
        return {"(" +
                    rng_.pick(std::vector<std::string>{"1.5", "-2.5", "2.675", "'42'", "' 7 '",
                                                       "'x'", "true", "'3.9'"}) +
                    " | int)",
                50};
    }
  }

  IntExpr int_expr(int depth) {
    if (depth >= 3 || rng_.chance(45)) return int_atom();
    IntExpr a = int_expr(depth + 1);
    IntExpr b = int_expr(depth + 1);
    switch (rng_.range(0, 11)) {
      case 0:
        return {"(" + a.text + " + " + b.text + ")", a.bound + b.bound};
      case 1:
        return {"(" + a.text + " - " + b.text + ")", a.bound + b.bound};
      case 2:
        if (a.bound * b.bound < 1e12)
          return {"(" + a.text + " * " + b.text + ")", a.bound * b.bound};
        return {"(" + a.text + " + " + b.text + ")", a.bound + b.bound};
      case 3:
        return {"(" + a.text + " // " + divisor(b.text) + ")", a.bound + 1};
      case 4:
        return {"(" + a.text + " % " + divisor(b.text) + ")", b.bound + 10};
      case 5:
        return {"(-" + a.text + ")", a.bound};
      case 6: {
        int power = rng_.range(0, 3);
        double bound = std::pow(std::max(a.bound, 1.0), power);
        if (bound < 1e12) return {"(" + a.text + " ** " + std::to_string(power) + ")", bound};
        return a;
      }
      case 7:
        return {"(" + a.text + " if " + bool_expr(depth + 1) + " else " + b.text + ")",
                std::max(a.bound, b.bound)};
      case 8:
        return {"([" + a.text + ", " + b.text + "] | " + (rng_.chance(50) ? "max" : "min") + ")",
                std::max(a.bound, b.bound)};
      case 9:
        return {"(" + a.text + " | abs)", a.bound};
      case 10:
        return {"(" + str_expr(depth + 1) + ".find(" + literal_string() + "))", 200};
      default:
        return {"(range(" + std::to_string(rng_.range(0, 6)) + ") | sum)", 15};
    }
  }

  // Mostly a nonzero constant: a random divisor is zero too often to leave room for anything
  // else to be tested.
  std::string divisor(std::string random) {
    if (rng_.chance(25)) return random;
    return rng_.pick(std::vector<std::string>{"2", "3", "-3", "7", "10", "0.5", "-0.25", "3.0"});
  }

  std::string float_atom() {
    switch (rng_.range(0, 6)) {
      case 0:
      case 1: {
        auto vars = vars_of(Type::kFloat);
        if (!vars.empty()) return rng_.pick(vars);
        [[fallthrough]];
      }
      case 2:
        // No literal near the float limit: Jinja2 folds constant expressions when it compiles,
        // and a folded inf breaks its generated code (NameError: name 'inf' is not defined);
        // a tiny divisor such as 5e-324 folds to inf too.
        return rng_.pick(std::vector<std::string>{"0.1", "2.5", "1e16", "-0.0", "3.0", "1e-7",
                                                  "2.675", "0.30000000000000004", "1.0e2",
                                                  "12345.6789"});
      case 3:
        return "dd.ratio";
      case 4: {
        auto users = vars_of(Type::kUser);
        if (!users.empty()) return rng_.pick(users) + ".score";
        return "(lf | first)";
      }
      case 5:
        return "(lf | " + rng_.pick(std::vector<std::string>{"sum", "max", "min", "last"}) + ")";
      default:
        return "(" + int_atom().text + " | float)";
    }
  }

  std::string float_expr(int depth) {
    if (depth >= 3 || rng_.chance(45)) return float_atom();
    std::string a = rng_.chance(60) ? float_expr(depth + 1) : int_expr(depth + 1).text;
    std::string b = rng_.chance(60) ? float_expr(depth + 1) : int_expr(depth + 1).text;
    switch (rng_.range(0, 10)) {
      case 0:
        return "(" + a + " + " + b + ")";
      case 1:
        return "(" + a + " - " + b + ")";
      case 2:
        return "(" + a + " * " + b + ")";
      case 3:
        return "(" + a + " / " + divisor(b) + ")";
      case 4:
        return "(" + int_expr(depth + 1).text + " / " + divisor(int_expr(depth + 1).text) + ")";
      case 5:
        return "(" + a + " // " + divisor(b) + ")";
      case 6:
        return "(" + a + " % " + divisor(b) + ")";
      case 7:
        return "(" + a + " | round" +
               rng_.pick(std::vector<std::string>{"", "(1)", "(2)", "(0, 'floor')", "(1, 'ceil')",
                                                  "(3, 'common')", "(-1)"}) +
               ")";
      case 8:
        return "(" + a + " | abs)";
      case 9:
        return "(-" + a + ")";
      default:
        return "(" + rng_.pick(std::vector<std::string>{"1", "2", "3", "-1", "0.5"}) + " * " + a +
               ")";
    }
  }

  std::string str_atom() {
    switch (rng_.range(0, 6)) {
      case 0:
      case 1:
      case 2: {
        auto vars = vars_of(Type::kStr);
        if (!vars.empty()) return rng_.pick(vars);
        [[fallthrough]];
      }
      case 3:
        return literal_string();
      case 4:
        return "dd.name";
      case 5: {
        auto users = vars_of(Type::kUser);
        if (!users.empty()) return rng_.pick(users) + ".name";
        return "users[0].name";
      }
      default:
        return "(ls | join(" +
               jinja_string(rng_.pick(std::vector<std::string>{"", ", ", "\n", "-"}), '\'') + "))";
    }
  }

  std::string str_expr(int depth) {
    if (depth >= 3 || rng_.chance(45)) return str_atom();
    std::string a = str_expr(depth + 1);
    switch (rng_.range(0, 26)) {
      case 25:
        return rng_.pick(std::vector<std::string>{
            "(users | groupby('active') | map(attribute='grouper') | join(','))",
            "(ls | batch(2, '-') | map('join') | join('/'))",
            "(ls | slice(2) | map('join', '+') | join('/'))",
            "(users | groupby('age') | map('last') | map('length') | join)",
            "(dd | dictsort | map('first') | join(' '))",
            "(dd.items() | map('last') | list | length | string)"});
      case 26:
        return "(" + a +
               rng_.pick(std::vector<std::string>{
                   " | list | join('.'))", "[::-1])", " | first | default('-'))",
                   " | last | default('-'))", " | wordcount | string)"});
      case 0:
        return "(" + a + " ~ " + any_expr(depth + 1) + ")";
      case 1:
        return "(" + a + " + " + str_expr(depth + 1) + ")";
      case 2:
        return "(" + any_expr(depth + 1) + " | string)";
      case 3:
        return "(" + a + " | " +
               rng_.pick(std::vector<std::string>{"upper", "lower", "title", "capitalize", "trim",
                                                  "reverse", "striptags", "urlencode"}) +
               ")";
      case 4:
        return "(" + a + " | replace(" + literal_string() + ", " + literal_string() + "))";
      case 5:
        return "(" + a + " | truncate(" + std::to_string(rng_.range(0, 30)) +
               rng_.pick(std::vector<std::string>{"", ", true", ", false, '~'", ", true, '', 0",
                                                  ", leeway=2"}) +
               "))";
      case 6:
        return "(" + a + " | center(" + std::to_string(rng_.range(0, 25)) + "))";
      case 7:
        return "(" + a + " | indent(" +
               rng_.pick(std::vector<std::string>{"", "2", "4, true", "'> '", "2, blank=true",
                                                  "1, first=true, blank=true"}) +
               "))";
      case 8:
        return "(" + a + " | wordwrap(" + std::to_string(rng_.range(5, 20)) +
               rng_.pick(std::vector<std::string>{"", ", false", ", wrapstring='|'"}) + "))";
      case 9:
        return "(" + str_list_expr(depth + 1) + " | join(" + literal_string() + "))";
      case 10:
        return "(" + a + "[" + slice_bounds() + "])";
      case 11:
        return "(" + a + " * " + std::to_string(rng_.range(0, 3)) + ")";
      case 12:
        return "(" +
               jinja_string(
                   rng_.pick(std::vector<std::string>{"%s=%d", "%s|%5.2f", "[%-6s|%s]", "%r %s"}),
                   '\'') +
               " | format(" + a + ", " +
               (rng_.chance(50) ? int_expr(depth + 1).text : float_atom()) + "))";
      case 13:
        return "(" + any_expr(depth + 1) + " | tojson" + (rng_.chance(20) ? "(indent=2)" : "") +
               ")";
      case 14:
        return "(" + a + "." +
               rng_.pick(std::vector<std::string>{"strip", "upper", "lower", "title", "lstrip",
                                                  "rstrip", "capitalize"}) +
               "())";
      case 15:
        return "(" + a + ".split(" + (rng_.chance(50) ? "" : literal_string()) + ") | join('|'))";
      case 16:
        return "(" + a + " if " + bool_expr(depth + 1) + " else " + str_expr(depth + 1) + ")";
      case 17:
        return "(" + int_expr(depth + 1).text + " | filesizeformat" +
               (rng_.chance(30) ? "(true)" : "") + ")";
      case 18:
        // No format specs ("{:>6}"): str.format() specs are outside Baton's subset.
        return "(" +
               jinja_string(
                   rng_.pick(std::vector<std::string>{"{}-{}", "{1}{0}", "<{}>{!s}", "{!r}:{}"}),
                   '\'') +
               ".format(" + a + ", " + any_expr(depth + 1) + "))";
      case 19:
        return "(" + str_list_expr(depth + 1) + " | first | default('none'))";
      case 20:
        return "(" + a + ".replace(" + literal_string() + ", " + literal_string() + "))";
      case 21:
        return "(nothere | default(" + a + "))";
      case 22:
        return "(" + a + " | default('was empty', true))";
      case 23:
        return "(" + float_expr(depth + 1) + " ~ '')";
      default:
        return "('%s and %s' % (" + a + ", " + any_expr(depth + 1) + "))";
    }
  }

  std::string slice_bounds() {
    auto bound = [&]() -> std::string {
      if (rng_.chance(30)) return "";
      return std::to_string(rng_.range(-5, 8));
    };
    std::string text = bound() + ":" + bound();
    if (rng_.chance(25)) text += ":" + rng_.pick(std::vector<std::string>{"-1", "2", "-2", ""});
    return text;
  }

  std::string bool_expr(int depth) {
    if (depth >= 3) return rng_.chance(50) ? "b0" : "dd.on";
    switch (rng_.range(0, 13)) {
      case 0: {
        IntExpr a = int_expr(depth + 1);
        return "(" + a.text + " " + comparison() + " " + int_expr(depth + 1).text + ")";
      }
      case 1:
        return "(" + float_expr(depth + 1) + " " + comparison() + " " +
               (rng_.chance(50) ? float_expr(depth + 1) : int_expr(depth + 1).text) + ")";
      case 2:
        return "(" + str_expr(depth + 1) + " " + comparison() + " " + str_expr(depth + 1) + ")";
      case 3:
        return "(" + any_expr(depth + 1) + " " + (rng_.chance(50) ? "==" : "!=") + " " +
               any_expr(depth + 1) + ")";
      case 4:
        return "(" + int_expr(depth + 1).text + (rng_.chance(70) ? " in " : " not in ") +
               int_list_expr(depth + 1) + ")";
      case 5:
        return "(" + str_expr(depth + 1) + " in " + str_expr(depth + 1) + ")";
      case 6:
        return "(" + int_expr(depth + 1).text + " is " +
               rng_.pick(std::vector<std::string>{"even", "odd", "divisibleby 3", "divisibleby(2)",
                                                  "number", "integer", "not odd", "ge 3",
                                                  "lt(0)"}) +
               ")";
      case 7:
        return "(" + any_expr(depth + 1) + " is " +
               rng_.pick(std::vector<std::string>{"defined", "none", "number", "string", "sequence",
                                                  "mapping", "iterable", "float", "boolean",
                                                  "not string"}) +
               ")";
      case 8:
        return "(" + rng_.pick(std::vector<std::string>{"nothere", "dd.nothere", "users[0].x"}) +
               " is " + (rng_.chance(50) ? "defined" : "undefined") + ")";
      case 9:
        return "(not " + bool_expr(depth + 1) + ")";
      case 10:
        return "(" + bool_expr(depth + 1) + (rng_.chance(50) ? " and " : " or ") +
               bool_expr(depth + 1) + ")";
      case 11: {
        auto users = vars_of(Type::kUser);
        if (!users.empty()) return rng_.pick(users) + ".active";
        return "b0";
      }
      case 12:
        return "(" + str_expr(depth + 1) + "." + (rng_.chance(50) ? "startswith" : "endswith") +
               "(" + literal_string() + "))";
      default:
        return rng_.pick(std::vector<std::string>{"b0", "dd.on", "true", "false",
                                                  "(li | length > 2)", "ls", "dd.tags", "nz"});
    }
  }

  std::string comparison() {
    return rng_.pick(std::vector<std::string>{"<", "<=", ">", ">=", "==", "!="});
  }

  std::string int_list_expr(int depth) {
    if (depth >= 3) return "li";
    switch (rng_.range(0, 12)) {
      case 0:
      case 1: {
        auto vars = vars_of(Type::kIntList);
        return rng_.pick(vars);
      }
      case 2:
        return "[" + int_expr(depth + 1).text + ", " + int_expr(depth + 1).text + "]";
      case 3:
        return "(" + int_list_expr(depth + 1) + " | sort" +
               (rng_.chance(40) ? "(reverse=true)" : "") + ")";
      case 4:
        return "(" + int_list_expr(depth + 1) + " | " +
               rng_.pick(std::vector<std::string>{"reverse", "unique", "select('odd')",
                                                  "reject('even')", "map('abs')",
                                                  "select('divisibleby', 3)", "map('int')"}) +
               " | list)";
      case 5:
        return "(range(" + std::to_string(rng_.range(0, 6)) + ") | list)";
      case 6:
        return "(range(" + std::to_string(rng_.range(-3, 3)) + ", " +
               std::to_string(rng_.range(-3, 8)) + ", " +
               rng_.pick(std::vector<std::string>{"1", "2", "-1", "3"}) + ") | list)";
      case 7:
        return "(" + int_list_expr(depth + 1) + " + [" + int_expr(depth + 1).text + "])";
      case 8:
        return "(" + int_list_expr(depth + 1) + "[" + slice_bounds() + "])";
      case 9:
        return "(users | map(attribute='age') | list)";
      case 10:
        return "(" + str_list_expr(depth + 1) + " | map('length') | list)";
      case 11:
        return "(" + str_expr(depth + 1) + ".split() | map('length') | list)";
      default:
        return "(" + int_list_expr(depth + 1) + " | batch(2) | map('sum') | list)";
    }
  }

  std::string str_list_expr(int depth) {
    if (depth >= 3) return "ls";
    switch (rng_.range(0, 11)) {
      case 0:
      case 1: {
        auto vars = vars_of(Type::kStrList);
        return rng_.pick(vars);
      }
      case 2:
        return "[" + str_expr(depth + 1) + ", " + str_expr(depth + 1) + "]";
      case 3:
        return "(" + str_expr(depth + 1) + ".split(" + (rng_.chance(50) ? "" : literal_string()) +
               "))";
      case 4:
        return "(" + str_list_expr(depth + 1) + " | sort" +
               rng_.pick(std::vector<std::string>{"", "(reverse=true)", "(case_sensitive=true)"}) +
               ")";
      case 5:
        return "(" + str_list_expr(depth + 1) + " | " +
               rng_.pick(std::vector<std::string>{"map('upper')", "unique", "reverse", "select",
                                                  "reject", "map('trim')", "map('capitalize')",
                                                  "unique(case_sensitive=true)"}) +
               " | list)";
      case 6:
        return "(" + int_list_expr(depth + 1) + " | map('string') | list)";
      case 7:
        return "(users | map(attribute='name') | list)";
      case 8:
        return "dd.tags";
      case 9:
        return "(dd | list)";
      case 10:
        return "(" + str_list_expr(depth + 1) + "[" + slice_bounds() + "])";
      default:
        return "(users | selectattr('active') | map(attribute='name') | list)";
    }
  }

  std::string user_list_expr() {
    return rng_.pick(std::vector<std::string>{
        "users", "(users | sort(attribute='age'))", "(users | selectattr('active') | list)",
        "(users | rejectattr('active') | list)", "(users | sort(attribute='name', reverse=true))",
        "(users | selectattr('age', 'gt', 40) | list)",
        "(users | unique(attribute='name') | list)"});
  }

  std::string any_expr(int depth) {
    switch (rng_.range(0, 12)) {
      case 0:
      case 1:
        return int_expr(depth).text;
      case 2:
      case 3:
        return float_expr(depth);
      case 4:
      case 5:
        return str_expr(depth);
      case 6:
        return bool_expr(depth);
      case 7:
        return int_list_expr(depth);
      case 8:
        return str_list_expr(depth);
      case 9:
        return rng_.pick(std::vector<std::string>{
            "nz", "dd", "dd.nested", "users[0]", "lf", "(dd | dictsort)", "(dd.items() | list)",
            "(users | groupby('active') | map('first') | list)",
            "{'k': " + literal_string() + ", 'n': 1.0}", "(1, 'a')", "none", "dd.none"});
      case 10: {
        auto anys = vars_of(Type::kAny);
        if (!anys.empty()) return rng_.pick(anys);
        return "(users | sum(attribute='age'))";
      }
      case 11: {
        auto users = vars_of(Type::kUser);
        if (!users.empty()) return rng_.pick(users);
        return user_list_expr();
      }
      default:
        return "(" + int_list_expr(depth + 1) + " | " +
               rng_.pick(std::vector<std::string>{"first", "last", "max", "min", "length", "sum",
                                                  "join", "tojson", "count"}) +
               ")";
    }
  }

  // --- statements ---------------------------------------------------------------------------

  std::string open(std::string_view tag) {
    std::string text(tag);
    if (rng_.chance(15)) {
      text += '-';
    } else if (tag == "{%" && rng_.chance(4)) {
      text += '+';
    }
    return text + " ";
  }
  std::string close(std::string_view tag) {
    return std::string(" ") + (rng_.chance(15) ? "-" : "") + std::string(tag);
  }
  std::string stmt(std::string_view content) {
    return open("{%") + std::string(content) + close("%}");
  }

  std::string text() { return rng_.pick(text_pool()); }

  std::string print() { return text() + open("{{") + any_expr(0) + close("}}"); }

  std::string body(int depth) {
    std::string out;
    int count = rng_.range(1, 2);
    for (int i = 0; i < count; ++i) out += statement(depth, false);
    return out;
  }

  // A block's body: its own scope, popped at the end so that names it sets are not used
  // where Jinja2 would not see them.
  std::string scoped_body(int depth) {
    scopes_.push_back({});
    std::string out = body(depth);
    scopes_.pop_back();
    return out;
  }

  std::string statement(int depth, bool top_level) {
    int choice = rng_.range(0, depth >= 2 ? 3 : 19);
    switch (choice) {
      case 0:
      case 1:
      case 2:
        return print();
      case 3:
        return text() + open("{#") +
               rng_.pick(std::vector<std::string>{"note", "{{ x }}", "a\nb", ""}) + close("#}");
      case 4:
      case 5:
      case 6:
        return if_statement(depth);
      case 7:
      case 8:
      case 9:
        return for_statement(depth);
      case 10:
      case 11: {
        Type type = rng_.pick(std::vector<Type>{Type::kInt, Type::kFloat, Type::kStr,
                                                Type::kIntList, Type::kStrList, Type::kAny});
        std::string name = fresh("v");
        std::string value = typed_expr(type);
        bind(name, type);
        return stmt("set " + name + " = " + value);
      }
      case 12: {
        std::string name = fresh("v");
        std::string filter =
            rng_.chance(40)
                ? " | " + rng_.pick(std::vector<std::string>{"upper", "trim", "title", "indent(2)"})
                : "";
        std::string out = stmt("set " + name + filter) + scoped_body(depth + 1) + stmt("endset");
        bind(name, Type::kStr);
        return out;
      }
      case 13:
        return namespace_statement(depth);
      case 14:
        return stmt("filter " + rng_.pick(std::vector<std::string>{
                                    "upper", "lower", "trim", "title", "replace('a', '@')",
                                    "center(30)", "indent(2, true)"})) +
               scoped_body(depth + 1) + stmt("endfilter");
      case 15: {
        std::string name = fresh("w");
        Type type = rng_.pick(std::vector<Type>{Type::kInt, Type::kStr, Type::kStrList});
        std::string head = "with " + name + " = " + typed_expr(type);
        scopes_.push_back({{name, type}});
        std::string inner = body(depth + 1);
        scopes_.pop_back();
        return stmt(head) + inner + stmt("endwith");
      }
      case 16:
        if (top_level) return macro_statement();
        return print();
      case 17:
        return text() + "{% raw %}" +
               rng_.pick(std::vector<std::string>{"{{ raw }}", "{% if %}", " a {# b #} "}) +
               "{% endraw %}";
      default:
        return print();
    }
  }

  std::string typed_expr(Type type) {
    switch (type) {
      case Type::kInt:
        return int_expr(0).text;
      case Type::kFloat:
        return float_expr(0);
      case Type::kStr:
        return str_expr(0);
      case Type::kBool:
        return bool_expr(0);
      case Type::kIntList:
        return int_list_expr(0);
      case Type::kStrList:
        return str_list_expr(0);
      case Type::kUserList:
        return user_list_expr();
      default:
        return any_expr(0);
    }
  }

  std::string if_statement(int depth) {
    std::string out = stmt("if " + bool_expr(1)) + scoped_body(depth + 1);
    int elifs = rng_.range(0, 2);
    for (int i = 0; i < elifs; ++i) out += stmt("elif " + bool_expr(1)) + scoped_body(depth + 1);
    if (rng_.chance(50)) out += stmt("else") + scoped_body(depth + 1);
    return out + stmt("endif");
  }

  std::string for_statement(int depth) {
    std::string head;
    Scope loop_vars;
    std::string name = fresh("x");
    switch (rng_.range(0, 5)) {
      case 0:
        head = name + " in " + int_list_expr(1);
        loop_vars.push_back({name, Type::kInt});
        break;
      case 1:
        head = name + " in " + str_list_expr(1);
        loop_vars.push_back({name, Type::kStr});
        break;
      case 2:
        head = name + " in " + user_list_expr();
        loop_vars.push_back({name, Type::kUser});
        break;
      case 3: {
        std::string value = fresh("y");
        head = name + ", " + value + " in " + (rng_.chance(50) ? "dd.items()" : "dd | dictsort");
        loop_vars.push_back({name, Type::kStr});
        loop_vars.push_back({value, Type::kAny});
        break;
      }
      case 4:
        head = name + " in range(" + std::to_string(rng_.range(0, 5)) + ")";
        loop_vars.push_back({name, Type::kInt});
        break;
      default:
        head = name + " in dd";
        loop_vars.push_back({name, Type::kStr});
        break;
    }
    scopes_.push_back(loop_vars);
    if (rng_.chance(20)) {
      // `loop` is not defined in a loop's filter condition.
      int saved_loops = loop_depth_;
      loop_depth_ = 0;
      head += " if " + bool_expr(1);
      loop_depth_ = saved_loops;
    }
    ++loop_depth_;
    std::string inner = body(depth + 1);
    if (rng_.chance(40)) {
      inner += open("{{") +
               rng_.pick(std::vector<std::string>{
                   "loop.index", "loop.first", "loop.last", "loop.cycle('a', 'b', 'c')",
                   "loop.previtem | default('^')", "loop.nextitem | default('$')", "loop.revindex0",
                   "loop.length", "loop.changed(" + name + ")", "loop.depth"}) +
               close("}}");
    }
    --loop_depth_;
    scopes_.pop_back();
    std::string out = stmt("for " + head) + inner;
    if (rng_.chance(25)) out += stmt("else") + scoped_body(depth + 1);
    return out + stmt("endfor");
  }

  std::string namespace_statement(int depth) {
    std::string ns = fresh("ns");
    bool numeric = rng_.chance(50);
    std::string out = stmt("set " + ns + " = namespace(acc=" + (numeric ? "0" : "''") + ")");
    std::string item = fresh("x");
    scopes_.push_back({{item, Type::kInt}});
    ++loop_depth_;
    std::string update =
        numeric ? ns + ".acc + " + int_expr(1).text : ns + ".acc ~ " + any_expr(1) + " ~ ','";
    --loop_depth_;
    scopes_.pop_back();
    out += stmt("for " + item + " in " + int_list_expr(1)) +
           stmt("set " + ns + ".acc = " + update) + stmt("endfor");
    (void)depth;
    return out + open("{{") + ns + ".acc" + close("}}");
  }

  std::string macro_statement() {
    std::string name = fresh("m");
    std::string param = fresh("p");
    std::string optional = fresh("q");
    std::size_t saved_barrier = macro_scope_;
    scopes_.push_back({{param, Type::kAny}, {optional, Type::kStr}});
    macro_scope_ = scopes_.size() - 1;
    int saved_loops = loop_depth_;
    loop_depth_ = 0;
    std::string inner = body(1);
    loop_depth_ = saved_loops;
    macro_scope_ = saved_barrier;
    scopes_.pop_back();
    std::string out =
        stmt("macro " + name + "(" + param + ", " + optional + "=" + literal_string() + ")") +
        inner + stmt("endmacro");
    int calls = rng_.range(1, 2);
    for (int i = 0; i < calls; ++i) {
      std::string args = any_expr(1);
      if (rng_.chance(40)) args += ", " + optional + "=" + str_expr(1);
      out += text() + open("{{") + name + "(" + args + ")" + close("}}");
    }
    return out;
  }

  // A fault that makes Jinja2 raise, at a random place between the top-level segments or at
  // the end.
  std::string insert_fault(std::string source) {
    static const std::vector<std::string> faults = {"{{ nothere }}",
                                                    "{{ dd.nothere }}",
                                                    "{{ i0 + s0 }}",
                                                    "{{ li[99] }}",
                                                    "{{ 1 / 0 }}",
                                                    "{{ s0 | nosuchfilter }}",
                                                    "{{ i0 + }}",
                                                    "{% if true %}open",
                                                    "{{ (i0 }}",
                                                    "{{ users[0].x.y }}",
                                                    "{{ 1 % 0 }}",
                                                    "{{ [1, 'a'] | sort }}",
                                                    "{% for a in i0 %}{% endfor %}",
                                                    "{{ s0 - 1 }}",
                                                    "{% endfor %}",
                                                    "{{ nothere | upper }}",
                                                    "{{ 'x' is nosuchtest }}",
                                                    "{{ i1 // 0 }}",
                                                    "{{ 1 < 'a' }}",
                                                    "{{ s1() }}",
                                                    "{{ {'a': 1}.b.c }}"};
    const std::string& fault = rng_.pick(faults);
    // Top-level segments are not tracked, so put it at the start or the end: both are
    // outside every block.
    return rng_.chance(50) ? fault + source : source + fault;
  }

  Rng rng_;
  std::vector<Var> context_vars_;
  std::vector<Scope> scopes_;
  std::size_t macro_scope_ = 0;
  int loop_depth_ = 0;
  int counter_ = 0;
  bool faulty_ = false;
};

}  // namespace generator_internal

// The case for `seed`: a template and a context for it.
inline GeneratedCase generate_template_case(std::uint64_t seed) {
  generator_internal::Generator generator(seed);
  return generator.run(seed);
}

}  // namespace baton::golden
