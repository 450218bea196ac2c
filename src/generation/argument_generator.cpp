#include "generation/argument_generator.hpp"

#include <algorithm>
#include <functional>
#include <optional>
#include <set>

#include "generation/text_template.hpp"
#include "generation/value_sources.hpp"

namespace datasync::generation {

using core::ErrorKind;
using core::Fail;
using Kind = ParamSource::Kind;

namespace {
// Far beyond any vendor budget (100,000 calls a day for 27 million years); stops overflow and typos.
constexpr uint64_t kMaxArgumentSets = 1'000'000'000'000'000ULL;

bool IsVariable(const std::string& name) {
  return !name.empty() && name[0] == '_';
}
}  // namespace

// A value table, or a product / zip of child nodes. Argument set i of a node is found from i alone.
struct ArgumentGenerator::Node {
  enum class Type : uint8_t { kTable, kProduct, kZip };
  Type type = Type::kProduct;
  ValueTable table;         // kTable
  size_t first_column = 0;  // kTable: where its columns start in the record
  std::vector<Node> children;
  uint64_t count = 1;
};

// One parameter of the output: a column of the record, or a format rendered from the record.
struct ArgumentGenerator::Output {
  std::string name;
  size_t column = 0;
  std::optional<TextTemplate> format;
};

ArgumentGenerator::ArgumentGenerator() = default;
ArgumentGenerator::~ArgumentGenerator() = default;

core::Result<std::unique_ptr<ArgumentGenerator>> ArgumentGenerator::Make(const ArgumentSpec& spec,
                                                                         const GenerationContext& ctx) {
  if (!spec.template_name.empty()) {
    return Fail(ErrorKind::kInternal, "template '" + spec.template_name + "' was not resolved before generating");
  }
  return FromSources(spec.params, ctx);
}

core::Result<std::unique_ptr<ArgumentGenerator>> ArgumentGenerator::FromSources(const std::vector<ParamSource>& sources,
                                                                                const GenerationContext& ctx) {
  auto gen = std::unique_ptr<ArgumentGenerator>(new ArgumentGenerator());
  std::set<std::string> names;
  auto define = [&](const std::string& name) -> core::Status {
    if (name.empty()) return Fail(ErrorKind::kConfig, "a parameter source has no name");
    if (!names.insert(name).second) return Fail(ErrorKind::kConfig, "param '" + name + "' is defined twice");
    return core::Ok();
  };

  // Builds the node of one source, appending its columns to the record layout.
  std::function<core::Result<Node>(const ParamSource&)> build = [&](const ParamSource& s) -> core::Result<Node> {
    Node node;
    if (s.kind == Kind::kProduct || s.kind == Kind::kZip) {
      if (s.children.empty()) return Fail(ErrorKind::kConfig, "param '" + s.name + "': the group is empty");
      node.type = s.kind == Kind::kProduct ? Node::Type::kProduct : Node::Type::kZip;
      node.count = s.kind == Kind::kZip ? kMaxArgumentSets : 1;
      for (const auto& child : s.children) {
        auto c = build(child);
        if (!c) return Fail(c.error());
        if (s.kind == Kind::kZip) {
          node.count = std::min(node.count, c->count);
        } else if (c->count != 0 && node.count > kMaxArgumentSets / c->count) {
          return Fail(ErrorKind::kConfig, "param '" + s.name + "': more than 10^18 argument sets");
        } else {
          node.count *= c->count;
        }
        node.children.push_back(std::move(*c));
      }
      return node;
    }
    if (s.kind == Kind::kFormat) {
      return Fail(ErrorKind::kConfig,
                  "param '" + s.name + "': format is allowed only at the top level, not in a group");
    }
    auto table = ExpandSource(s, ctx);
    if (!table) return Fail(table.error());
    for (const auto& c : table->columns) {
      if (auto st = define(c); !st) return Fail(st.error());
      gen->column_names_.push_back(c);
    }
    node.type = Node::Type::kTable;
    node.first_column = gen->column_names_.size() - table->columns.size();
    node.count = table->rows();
    node.table = std::move(*table);
    return node;
  };

  auto root = std::make_unique<Node>();
  root->type = Node::Type::kProduct;
  std::vector<std::pair<std::string, const ParamSource*>> order;  // outputs in declaration order
  for (const auto& s : sources) {
    if (s.kind == Kind::kFormat) {
      if (auto st = define(s.name); !st) return Fail(st.error());
      order.emplace_back(s.name, &s);
      continue;
    }
    size_t before = gen->column_names_.size();
    auto node = build(s);
    if (!node) return Fail(node.error());
    for (size_t i = before; i < gen->column_names_.size(); ++i) order.emplace_back(gen->column_names_[i], nullptr);
    if (node->count != 0 && root->count > kMaxArgumentSets / node->count) {
      return Fail(ErrorKind::kConfig, "param '" + s.name + "': the plan would generate more than 10^18 argument sets");
    }
    root->count *= node->count;
    root->children.push_back(std::move(*node));
  }

  // Columns keep their layout index; a format sees every column, wherever it is declared, and the formats
  // declared before it (they are rendered in order).
  std::vector<std::string> visible;
  for (const auto& c : gen->column_names_) visible.push_back(c);
  for (const auto& [name, src] : order) {
    Output out;
    out.name = name;
    if (src != nullptr) {
      auto t = TextTemplate::Parse(src->text, Escape::kNone);
      if (!t) return Fail(ErrorKind::kConfig, "param '" + name + "': " + t.error().message());
      for (const auto& ref : t->names()) {
        if (!names.count(ref)) {
          return Fail(ErrorKind::kConfig, "param '" + name + "': format uses {{" + ref +
                                              "}}, which no parameter or _variable of this plan defines");
        }
        if (std::find(visible.begin(), visible.end(), ref) == visible.end()) {
          return Fail(ErrorKind::kConfig, "param '" + name + "': format uses {{" + ref +
                                              "}}, which is another format defined later; reorder them");
        }
      }
      out.format = std::move(*t);
    } else {
      out.column = static_cast<size_t>(std::find(gen->column_names_.begin(), gen->column_names_.end(), name) -
                                       gen->column_names_.begin());
    }
    if (src != nullptr) visible.push_back(name);
    gen->has_format_ = gen->has_format_ || out.format.has_value();
    gen->outputs_.push_back(std::move(out));
  }
  gen->count_ = root->count;
  gen->root_ = std::move(root);
  gen->record_.assign(gen->column_names_.size(), nullptr);
  return gen;
}

void ArgumentGenerator::Fill(const Node& node, uint64_t index) {
  switch (node.type) {
    case Node::Type::kTable: {
      size_t width = node.table.columns.size();
      for (size_t c = 0; c < width; ++c) record_[node.first_column + c] = &node.table.cells[index * width + c];
      return;
    }
    case Node::Type::kZip:
      for (const auto& child : node.children) Fill(child, index);
      return;
    case Node::Type::kProduct:
      // Mixed radix, the last child varying fastest.
      for (size_t i = node.children.size(); i-- > 0;) {
        const Node& child = node.children[i];
        Fill(child, index % child.count);
        index /= child.count;
      }
      return;
  }
}

void ArgumentGenerator::Select(const std::function<bool(const datasource::Params&)>& keep) {
  std::vector<uint64_t> chosen;
  datasource::Params p;
  Seek(0);
  while (Next(p)) {
    if (keep(p)) chosen.push_back(position_ - 1);
  }
  selection_ = std::move(chosen);
  selected_ = true;
  count_ = selection_.size();
  position_ = 0;
}

std::unique_ptr<ArgumentGenerator> ArgumentGenerator::FromList(std::vector<datasource::Params> sets) {
  std::unique_ptr<ArgumentGenerator> g(new ArgumentGenerator());
  g->count_ = sets.size();
  g->list_ = std::move(sets);
  return g;
}

bool ArgumentGenerator::Next(datasource::Params& out) {
  if (position_ >= count_) return false;
  if (list_) {
    out = (*list_)[selected_ ? selection_[position_] : position_];
    ++position_;
    return true;
  }
  Fill(*root_, selected_ ? selection_[position_] : position_);
  ++position_;
  out.clear();
  TemplateVars vars;
  if (has_format_) {
    for (size_t i = 0; i < column_names_.size(); ++i) vars.emplace_back(column_names_[i], *record_[i]);
  }
  for (const auto& o : outputs_) {
    if (o.format) {
      std::string value = o.format->Render(vars);
      vars.emplace_back(o.name, value);
      if (!IsVariable(o.name)) out.emplace_back(o.name, std::move(value));
    } else if (!IsVariable(o.name)) {
      out.emplace_back(o.name, *record_[o.column]);
    }
  }
  return true;
}

}  // namespace datasync::generation
