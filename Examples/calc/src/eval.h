/* Evaluating expression trees with named variables. */
#ifndef CALC_EVAL_H
#define CALC_EVAL_H

#include "ast.h"

struct environment {
  const char *names[16];
  double values[16];
  int count;
};

void environment_set(struct environment *environment, const char *name, double value);
/* Returns 0 on success and stores the value, or -1 with a message. */
int evaluate(const struct node *node, const struct environment *environment, double *result,
             const char **message);

#endif
