// The swarm page's one behaviour: a button that shows only the failing seeds.
var seedsTable = document.querySelector('table.seeds');
if (seedsTable) {
  var button = document.createElement('button');
  button.textContent = 'show failing seeds only';
  var only = false;
  button.addEventListener('click', function () {
    only = !only;
    button.textContent = only ? 'show every seed' : 'show failing seeds only';
    seedsTable.querySelectorAll('tbody tr').forEach(function (tr) {
      tr.style.display = only && tr.getAttribute('data-verdict') !== 'fail' ? 'none' : '';
    });
  });
  seedsTable.parentNode.insertBefore(button, seedsTable);
}
document.body.setAttribute('data-rendered', 'swarm');
