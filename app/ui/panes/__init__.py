"""The panes of the main window, each a view plus the controller that feeds it."""
