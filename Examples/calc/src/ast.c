/* Building and freeing expression trees. */
#include "ast.h"

#include <stdlib.h>
#include <string.h>

static struct node *allocate(enum node_kind kind) {
  struct node *node = calloc(1, sizeof *node);
  if (node == NULL) abort();
  node->kind = kind;
  return node;
}

struct node *node_number(double value) {
  struct node *node = allocate(NODE_NUMBER);
  node->number = value;
  return node;
}

struct node *node_variable(const char *name) {
  struct node *node = allocate(NODE_VARIABLE);
  strncpy(node->name, name, sizeof node->name - 1);
  return node;
}

struct node *node_unary(char op, struct node *operand) {
  struct node *node = allocate(NODE_UNARY);
  node->op = op;
  node->left = operand;
  return node;
}

struct node *node_binary(char op, struct node *left, struct node *right) {
  struct node *node = allocate(NODE_BINARY);
  node->op = op;
  node->left = left;
  node->right = right;
  return node;
}

struct node *node_call(const char *name, struct node *argument, struct node *second) {
  struct node *node = allocate(NODE_CALL);
  strncpy(node->name, name, sizeof node->name - 1);
  node->left = argument;
  node->right = second;
  return node;
}

void node_free(struct node *node) {
  if (node == NULL) return;
  node_free(node->left);
  node_free(node->right);
  free(node);
}

int node_count(const struct node *node) {
  if (node == NULL) return 0;
  return 1 + node_count(node->left) + node_count(node->right);
}
