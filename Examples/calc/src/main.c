/* calc: evaluates the expressions given as arguments, or runs its self-test with --test. */
#include "eval.h"
#include "parser.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int run(const char *text, struct environment *environment, double *value) {
  struct parse_error error;
  struct node *tree = parse_expression(text, &error);
  if (tree == NULL) {
    fprintf(stderr, "calc: %s: column %zu: %s\n", text, error.position + 1, error.message);
    return -1;
  }
  const char *message = NULL;
  int status = evaluate(tree, environment, value, &message);
  if (status != 0) fprintf(stderr, "calc: %s: %s\n", text, message);
  node_free(tree);
  return status;
}

static int self_test(void) {
  static const struct { const char *text; double expected; } cases[] = {
      {"1 + 2 * 3", 7}, {"(1 + 2) * 3", 9}, {"2 ^ 3 ^ 2", 512}, {"-2 ^ 2", -4},
      {"max(3, pi) - min(1, 2)", 2.14159265358979}, {"sqrt(16) + abs(-2)", 6}, {"10 / 4", 2.5}};
  struct environment environment = {.count = 0};
  environment_set(&environment, "pi", 3.14159265358979);
  int failures = 0;
  for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    double value;
    if (run(cases[i].text, &environment, &value) != 0 || fabs(value - cases[i].expected) > 1e-9) {
      fprintf(stderr, "FAIL %s\n", cases[i].text);
      failures++;
    }
  }
  printf("calc self-test: %u passed, %d failed\n", (unsigned)(sizeof cases / sizeof cases[0]) - failures,
         failures);
  return failures == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--test") == 0) return self_test();
  struct environment environment = {.count = 0};
  environment_set(&environment, "pi", 3.14159265358979);
  int status = 0;
  for (int i = 1; i < argc; i++) {
    double value;
    if (run(argv[i], &environment, &value) == 0) printf("%g\n", value);
    else status = 1;
  }
  return status;
}
