/* Tree-walking evaluator. */
#include "eval.h"

#include <math.h>
#include <string.h>

void environment_set(struct environment *environment, const char *name, double value) {
  for (int i = 0; i < environment->count; i++) {
    if (strcmp(environment->names[i], name) == 0) {
      environment->values[i] = value;
      return;
    }
  }
  if (environment->count < 16) {
    environment->names[environment->count] = name;
    environment->values[environment->count++] = value;
  }
}

static int lookup(const struct environment *environment, const char *name, double *value) {
  for (int i = 0; i < environment->count; i++) {
    if (strcmp(environment->names[i], name) == 0) {
      *value = environment->values[i];
      return 0;
    }
  }
  return -1;
}

static int call(const char *name, double a, double b, int arity, double *result, const char **message) {
  static const struct { const char *name; int arity; } known[] = {
      {"sqrt", 1}, {"abs", 1}, {"min", 2}, {"max", 2}, {"exp", 1}, {"log", 1}};
  for (unsigned i = 0; i < sizeof known / sizeof known[0]; i++) {
    if (strcmp(known[i].name, name) != 0) continue;
    if (known[i].arity != arity) {
      *message = "wrong number of arguments";
      return -1;
    }
    switch (i) {
      case 0: *result = sqrt(a); return 0;
      case 1: *result = fabs(a); return 0;
      case 2: *result = a < b ? a : b; return 0;
      case 3: *result = a > b ? a : b; return 0;
      case 4: *result = exp(a); return 0;
      default: *result = log(a); return 0;
    }
  }
  *message = "unknown function";
  return -1;
}

int evaluate(const struct node *node, const struct environment *environment, double *result,
             const char **message) {
  double left = 0, right = 0;
  switch (node->kind) {
    case NODE_NUMBER:
      *result = node->number;
      return 0;
    case NODE_VARIABLE:
      if (lookup(environment, node->name, result) == 0) return 0;
      *message = "unknown variable";
      return -1;
    case NODE_UNARY:
      if (evaluate(node->left, environment, &left, message) != 0) return -1;
      *result = -left;
      return 0;
    case NODE_CALL:
      if (evaluate(node->left, environment, &left, message) != 0) return -1;
      if (node->right != NULL && evaluate(node->right, environment, &right, message) != 0) return -1;
      return call(node->name, left, right, node->right != NULL ? 2 : 1, result, message);
    case NODE_BINARY:
      break;
  }
  if (evaluate(node->left, environment, &left, message) != 0) return -1;
  if (evaluate(node->right, environment, &right, message) != 0) return -1;
  switch (node->op) {
    case '+': *result = left + right; return 0;
    case '-': *result = left - right; return 0;
    case '*': *result = left * right; return 0;
    case '^': *result = pow(left, right); return 0;
    default:
      if (right == 0) {
        *message = "division by zero";
        return -1;
      }
      *result = left / right;
      return 0;
  }
}
