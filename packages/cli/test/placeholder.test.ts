it('the cli package builds', () => {
  expect(true).toBe(true);
});
