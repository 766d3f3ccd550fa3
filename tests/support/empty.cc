// Keeps baton_test_support a valid library while support/ holds headers only.
