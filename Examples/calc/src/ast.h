/* Expression trees. */
#ifndef CALC_AST_H
#define CALC_AST_H

enum node_kind { NODE_NUMBER, NODE_VARIABLE, NODE_UNARY, NODE_BINARY, NODE_CALL };

struct node {
  enum node_kind kind;
  double number;
  char name[32];
  char op;
  struct node *left;
  struct node *right;
};

struct node *node_number(double value);
struct node *node_variable(const char *name);
struct node *node_unary(char op, struct node *operand);
struct node *node_binary(char op, struct node *left, struct node *right);
struct node *node_call(const char *name, struct node *argument, struct node *second);
void node_free(struct node *node);
int node_count(const struct node *node);

#endif
